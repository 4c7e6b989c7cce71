"""nbgrader configuration for this course: run nbgrader's commands from the repository root.

solutions/  nbgrader's source directory (instructor versions: solutions; test cells hold no key)
exercises/  nbgrader's release directory (student versions; generated, never edited by hand)
grading/    everything produced by grading (submitted, autograded, feedback, gradebook); git-ignored
"""

import importlib.util
import os
import sys

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)
here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.root = here
c.CourseDirectory.course_id = "newslit"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.solution_directory = "grading/solution"
# nbgrader runs `alembic` from PATH to create the gradebook: find it beside this Python, so
# `.venv/bin/nbgrader ...` works without activating the virtual environment.
bindir = os.path.dirname(sys.executable)
if bindir not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
os.makedirs(os.path.join(here, "grading"), exist_ok=True)  # SQLite cannot create the folder itself
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "grading", "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.csv.tmp"]


# A blank code answer is a comment, not nbgrader's default `raise NotImplementedError()`: Run All reaches
# the end of every exercise (the setup cell sets each code answer to None; its check says "not answered yet").
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}

# Feedback: the course's template (templates/feedback_newslit/newslit.html.j2) names each item in the summary, says
# "not graded yet" for a written answer still to grade and shows no In/Out prompts.
c.GenerateFeedback.preprocessors = [
    "newslit.preprocessors.GetGradesMarkingPending",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.HTMLExporter.template_name = "feedback_newslit"
c.HTMLExporter.template_file = "newslit.html.j2"
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(here, "templates"),
    os.path.join(os.path.dirname(importlib.util.find_spec("nbgrader").origin), "server_extensions", "formgrader",
                 "templates"),
]
c.HTMLExporter.exclude_input_prompt = True
c.HTMLExporter.exclude_output_prompt = True

# While grading, each student's kernel runs in a bubblewrap sandbox (newslit/sandbox.py): no key, no
# gradebook, no network, nothing it writes is kept, limited memory/CPU/processes (docs/robustness.md).
# It is nbgrader's Execute step (newslit.sandbox.SandboxedExecute, first in autograde_preprocessors below).
# Where bwrap cannot run, grading warns once and runs unprotected. To turn it off on purpose:
# c.SandboxedKernelManager.sandbox = False
# Late work (docs/instructor-guide.md, "Deadlines and late work"). Due dates per exercise: `newslit grade`
# writes them into the gradebook (times without a zone are UTC); nbgrader marks a submission whose
# timestamp is later as late, and its AssignLatePenalties step asks the plugin below for a penalty.
c.NewslitTerm.due_dates = {}  # e.g. {"ex1": "2026-05-04 23:59 Europe/Berlin", "ex2": "2026-05-18 23:59 Europe/Berlin"}
c.AssignLatePenalties.plugin_class = "newslit.late.PerDayPenalty"
c.PerDayPenalty.percent_per_day = 0  # e.g. 10: a tenth of the score off per started day late (0: no penalty)
c.PerDayPenalty.max_percent = 100

# Per-cell time limit while grading: a student's infinite loop is interrupted, later cells still run.
c.Execute.timeout = 30
# Stop each student's kernel at once when its notebook is done (the outputs are already collected):
# a graceful shutdown costs about 0.3 s per submission (bench/README.md).
c.Execute.shutdown_kernel = "immediate"

# nbgrader's sanitizing steps, with two changes (newslit/preprocessors.py):
# - drop_broken_nbgrader_metadata: a pasted copy of a locked cell (or any cell with broken nbgrader
#   metadata) would otherwise abort autograde for the rest of the class (docs/robustness.md);
# - CheckCellMetadataOnce: nbgrader's CheckCellMetadata with its JSON schema compiled once, not once
#   per cell (bench/README.md).
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "newslit.preprocessors.drop_broken_nbgrader_metadata",
    "newslit.preprocessors.CheckCellMetadataOnce",
]
# After running the notebook, ScoreItems scores every autograded item in nbgrader's own process from
# the submitted file (form literals, parsed) and the values locked test cells handed in, with keys from
# data/key/: the student's kernel never holds a key (docs/robustness.md). Then nbgrader checks the cell
# metadata again: the same check, compiled once.
c.Autograde.autograde_preprocessors = [
    "newslit.sandbox.SandboxedExecute",
    "newslit.preprocessors.ScoreItems",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "newslit.preprocessors.CheckCellMetadataOnce",
]
# nbconvert validates the whole notebook after every step (13 times a submission in autograde);
# validate once, after the last step. The saved notebook is validated either way.
c.Exporter.optimistic_validation = True
# The answer keys: data/key/ of this course folder, read when grading (never copied into a notebook).
c.ScoreItems.key_root = here
