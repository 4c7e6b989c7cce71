"""Resubmissions and regrading: which submissions changed, and which manual scores still hold.

nbgrader keeps a manual score when a submission is autograded again and flags the cell for review;
its totals count the old score while the cell waits for a human. ``settle`` decides each such case
with a ledger (``grading/manual-scores.json``) of the answer every manual score was given to:

- the answer is unchanged (``newslit grade --force``, or a resubmission that left it alone): the
  score is kept and the flag cleared;
- the answer changed, or nobody recorded what was graded: the score is cleared with nbgrader's
  gradebook API (the cell waits for manual grading again) and reported, never counted silently.

``changed_submissions`` finds submissions replaced since they were autograded on routes that write
no timestamp (``zip_collect``, ``newslit collect --zip``); ``take_renamed`` puts an LMS's renamed
resubmission (Canvas: ``ex1-1.ipynb``) in place of the notebook it replaces.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from newslit.classroom import Course


@dataclass
class Settled:
    """What ``settle`` did: manual scores kept (answer unchanged) and cleared (answer changed)."""

    kept: list[tuple[str, str]] = field(default_factory=list)  # (student, grade_id)
    cleared: list[tuple[str, str, float]] = field(default_factory=list)  # (student, grade_id, old score)


def _ledger_path(course: Course) -> Path:
    return course.root / "grading" / "manual-scores.json"


def load(course: Course) -> dict:
    path = _ledger_path(course)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def save(course: Course, ledger: dict):
    path = _ledger_path(course)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ledger, indent=1, sort_keys=True), encoding="utf-8")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def answer_fingerprint(nb, grade_id: str) -> str | None:
    """What a manual score of ``grade_id`` was given to: a written answer's own text; for an
    overridden autograded cell, every cell's source (any answer may change its score)."""
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == grade_id:
            if meta.get("solution"):
                return _digest(cell.source.strip())
            return _digest("\x00".join(c.source for c in nb.cells))
    return None


def settle(course: Course, assignment: str) -> Settled:
    """Keep manual scores whose answer is unchanged, clear those whose answer changed; update the ledger."""
    from nbgrader.api import Gradebook, MissingEntry

    ledger = load(course)
    book = ledger.setdefault("manual", {}).setdefault(assignment, {})
    result = Settled()
    with Gradebook(course.db_url) as gb:
        try:
            submissions = gb.assignment_submissions(assignment)
        except MissingEntry:  # not graded yet
            return result
        for sub in submissions:
            student = sub.student.id
            for nb in sub.notebooks:
                path = course.folder("autograded", assignment, student) / f"{nb.name}.ipynb"
                graded = nbformat.read(path, as_version=4) if path.is_file() else None
                for g in nb.grades:
                    key = f"{student}/{nb.name}/{g.name}"
                    if g.manual_score is None:
                        book.pop(key, None)
                        continue
                    answer = answer_fingerprint(graded, g.name) if graded is not None else None
                    if not g.needs_manual_grade:  # a human's score for the answer on file
                        book[key] = {"score": g.manual_score, "answer": answer}
                    elif answer is not None and book.get(key, {}).get("answer") == answer:
                        g.needs_manual_grade = False
                        result.kept.append((student, g.name))
                    else:
                        result.cleared.append((student, g.name, float(g.manual_score)))
                        g.manual_score = None
                        g.needs_manual_grade = g.auto_score is None
                        book.pop(key, None)
        gb.db.commit()
    if result.cleared:
        ledger.setdefault("cleared", []).extend(
            {"assignment": assignment, "student": s, "cell": c, "old_score": v,
             "when": time.strftime("%Y-%m-%d %H:%M:%S")} for s, c, v in result.cleared)
    save(course, ledger)
    return result


def submitted_digest(course: Course, assignment: str, student: str) -> str:
    """One digest of a student's submitted notebooks (names and bytes)."""
    h = hashlib.sha256()
    for path in sorted(course.folder("submitted", assignment, student).glob("*.ipynb")):
        h.update(path.name.encode() + b"\x00" + path.read_bytes())
    return h.hexdigest()[:16]


def changed_submissions(course: Course, assignment: str, students: list[str]) -> list[str]:
    """Autograded students whose submission changed since: by content when newslit recorded it, else
    by modification time (a submitted notebook newer than its autograded copy)."""
    seen = load(course).get("submitted", {}).get(assignment, {})
    changed = []
    for s in students:
        graded = course.folder("autograded", assignment, s)
        if not graded.is_dir():
            continue
        if s in seen:
            if seen[s] != submitted_digest(course, assignment, s):
                changed.append(s)
            continue
        copies = {p.name: p.stat().st_mtime for p in graded.glob("*.ipynb")}
        if any(p.stat().st_mtime > copies.get(p.name, 0)
               for p in course.folder("submitted", assignment, s).glob("*.ipynb")):
            changed.append(s)
    return changed


def record_submitted(course: Course, assignment: str, students: list[str]):
    """Remember what was autograded for ``students`` (their submitted notebooks' digest)."""
    ledger = load(course)
    seen = ledger.setdefault("submitted", {}).setdefault(assignment, {})
    for s in students:
        seen[s] = submitted_digest(course, assignment, s)
    save(course, ledger)


RENAMED = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)$")


def take_renamed(course: Course, assignment: str, students: list[str]) -> list[str]:
    """Put renamed resubmissions (``ex1-1.ipynb`` beside ``ex1.ipynb``) in place: the highest number
    is the newest and wins; the files it replaces move to grading/superseded/. Returns messages."""
    names = {p.stem for p in course.notebooks(assignment)}
    messages = []
    for s in students:
        folder = course.folder("submitted", assignment, s)
        copies: dict[str, list[tuple[int, Path]]] = {}
        for path in folder.glob("*.ipynb"):
            m = RENAMED.match(path.stem)
            if m and m["stem"] in names and path.stem not in names:
                copies.setdefault(m["stem"], []).append((int(m["n"]), path))
        for stem, found in copies.items():
            found.sort()
            newest = found[-1][1]
            old = [p for _, p in found[:-1]] + ([folder / f"{stem}.ipynb"] if (folder / f"{stem}.ipynb").exists() else [])
            aside = course.root / "grading" / "superseded" / s / assignment / time.strftime("%Y%m%d-%H%M%S")
            aside.mkdir(parents=True, exist_ok=True)
            for p in old:
                shutil.move(p, aside / p.name)
            newest.rename(folder / f"{stem}.ipynb")
            messages.append(f"{s}: {newest.name} is a renamed resubmission; the newest wins and is graded as "
                            f"{stem}.ipynb" + (f" (replaced {', '.join(p.name for p in old)}, kept in "
                                                f"{aside.relative_to(course.root)})" if old else ""))
    return messages
