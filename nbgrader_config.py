"""nbgrader configuration for this course: run nbgrader's commands from the repository root.

solutions/  nbgrader's source directory (instructor versions: solutions + hidden tests)
exercises/  nbgrader's release directory (student versions; generated, never edited by hand)
grading/    everything produced by grading (submitted, autograded, feedback, gradebook); git-ignored
"""

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

# Feedback shows each item's verdict and explanation, never the hidden tests (the key).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

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
# After running the notebook nbgrader checks the cell metadata again: the same check, compiled once.
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
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
