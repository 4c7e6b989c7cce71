"""Shared test helpers: a throw-away nbgrader course, filled-in submissions, scores.

A course is a temporary copy of the repository's nbgrader_config.py, solutions/, exercises/ and templates/
(its grader reads the keys from the repository's data/key/);
nbgrader_config.py puts grading/ (submissions, gradebook) beside itself, so grading never
touches the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from newslit.widgets import format_literal, replace_recorded

ROOT = Path(__file__).resolve().parents[1]
NBGRADER = [sys.executable, "-m", "nbgrader"]


def make_course(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(f"\nc.ScoreItems.key_root = {str(ROOT)!r}\n")
    for folder in ("solutions", "exercises", "templates"):
        shutil.copytree(ROOT / folder, course / folder)
    return course


def nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    bindir = str(Path(sys.executable).parent)  # nbgrader runs alembic from PATH
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run([*NBGRADER, *args], cwd=course, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def released(assignment: str, root: Path = ROOT) -> nbformat.NotebookNode:
    return nbformat.read(root / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)


def beside(assignment: str, folder: Path, root: Path = ROOT) -> Path:
    """Copy what the release holds beside the notebook (an exercise on another article: its article/)
    into ``folder``, where a student's copy of the notebook runs; returns ``folder``."""
    shutil.copytree(root / "exercises" / assignment, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    return folder


def form_cell(nb, var: str):
    """The (unlocked) form cell that assigns ``var = ask(...)``."""
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith(f"{var} = ") and "recorded=" in cell.source:
            return cell
    raise KeyError(f"no form cell for {var!r}")


def record(nb, var: str, answers: dict | None):
    """Write ``answers`` into the form cell as the recorded literal (what re-running after clicks does)."""
    cell = form_cell(nb, var)
    order = list(answers or {})
    cell.source = replace_recorded(cell.source, format_literal(answers or {}, order))
    return nb


def submit(course: Path, student: str, assignment: str, nb) -> Path:
    folder = course / "grading" / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    if isinstance(nb, str | bytes):
        path.write_bytes(nb if isinstance(nb, bytes) else nb.encode())
    else:
        nbformat.write(nb, path)
    return path


def autograde(course: Path, assignment: str, *extra: str) -> subprocess.CompletedProcess:
    """Register the assignment (generate_assignment fills the gradebook) and autograde every submission;
    autograde adds unknown students itself."""
    nbgrader(course, "generate_assignment", assignment, "--force")
    return nbgrader(course, "autograde", assignment, "--force", *extra)


def scores(course: Path, assignment: str) -> dict[str, dict[str, float | None]]:
    """{student: {grade_id: score}} read from the course gradebook."""
    from nbgrader.api import Gradebook

    url = "sqlite:///" + str(course / "grading" / "gradebook.db")
    out = {}
    with Gradebook(url) as gb:
        for sub in gb.assignment_submissions(assignment):
            out[sub.student.id] = {g.name: g.score for nb in sub.notebooks for g in nb.grades}
    return out


def total(per_item: dict[str, float | None], prefix: str = "") -> float:
    return sum(v or 0 for k, v in per_item.items() if k.startswith(prefix))


def need_sandbox():
    """Skip where the grading sandbox cannot run (newslit/sandbox.py); in CI (.ci/run installs bubblewrap), fail."""
    import pytest

    from newslit import sandbox

    reason = sandbox.unavailable()
    if reason:
        (pytest.fail if os.environ.get("CI", "").lower() == "true" else pytest.skip)(f"no grading sandbox: {reason}")
