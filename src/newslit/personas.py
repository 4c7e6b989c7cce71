"""Sample students for the demo class: deterministic transformations of the answer key.

Each persona answers every autograded item of every assignment by a fixed rule applied to the
item's key (and, for claims, the claim's text), so the demo's grades and item analysis are known
in advance. The instructor guide (docs/instructor-guide.md) describes them for instructors.

A rule sees a ``Task`` (one item) and returns the answer to record, or None to leave it blank.
Items answered by code (exercise 2) get the model solution from solutions/ from every persona that
``codes``; the others leave the released stub.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from newslit.answers import normalize_cue, normalize_text
from newslit.classroom import Course, GradeCell
from newslit.data import LABELS
from newslit.report import BOUND, SWAP, forms, item_text
from newslit.widgets import format_literal, replace_recorded

HEDGE = re.compile(r"\b(could|might|may|likely|allegedly|estimated|reportedly|if)\b", re.I)


@dataclass(frozen=True)
class Task:
    """One autograded item as a persona sees it: its key, its text and its place in its form."""

    item: str
    kind: str  # the key's answer kind: label, cue, number, choice, choices
    key: dict
    text: str
    position: int
    count: int


def best(t: Task):
    """The key's best answer."""
    k = t.key
    return {"label": lambda: k["label"], "cue": lambda: k["accept"][0], "number": lambda: float(k["value"]),
            "choice": lambda: k["accept"][0], "choices": lambda: list(k["accept"])}.get(t.kind, lambda: None)()


def wrong(t: Task):
    """A deterministic answer that earns no credit."""
    k = t.key
    if t.kind == "label":
        accepted = {k["label"], *k.get("alternates", ())}
        start = LABELS.index(k["label"])
        return next(lab for lab in LABELS[start + 1:] + LABELS[:start] if lab not in accepted)
    if t.kind == "cue":
        accepted = {normalize_cue(a) for a in k["accept"]}
        words = [w for w in re.findall(r"[\w’']+", t.text) if normalize_cue(w) not in accepted]
        return words[0] if words else "said"
    if t.kind == "number":
        return float(k["value"]) * 10 or 1.0
    options = list(k.get("options") or [])
    accepted = {normalize_text(a) for a in k.get("accept", ())}
    others = [o for o in options if normalize_text(o) not in accepted]
    if t.kind == "choice":
        return others[0] if others else "none of these"
    if t.kind == "choices":
        return list(k["accept"])[:-1] if len(k["accept"]) > 1 else others[:1]
    return None


def _strong(t):
    return best(t)


def _careless(t):
    return wrong(t) if t.position % 3 == 2 else best(t)


def _hedge_blind(t):
    if t.kind == "label" and t.key["label"] == "hedged":
        return "stated as fact"
    if t.kind == "cue" and any(HEDGE.search(a) for a in t.key["accept"]):
        return wrong(t)
    return best(t)


def _bound_as_hedge(t):
    m = BOUND.search(t.text)
    if t.kind == "label" and m:
        return "hedged"
    if t.kind == "cue" and m:
        return m.group(0).lower()
    if t.kind in ("choice", "choices"):
        options = {normalize_text(o): o for o in t.key.get("options") or []}
        swapped = [options.get(SWAP.get(normalize_text(a), ""), a) for a in t.key["accept"]]
        return swapped[0] if t.kind == "choice" else swapped
    return best(t)


def _source_truster(t):
    if t.kind == "label" and t.key["label"] == "attributed":
        return "stated as fact"
    return best(t)


def _out_of_time(t):
    return best(t) if t.position < t.count // 2 else None


def _blank(t):
    return None


@dataclass(frozen=True)
class Persona:
    name: str
    summary: str
    rule: Callable[[Task], object]
    written: str | None  # the written answer; "" = the model answer from solutions/; None = left as released
    codes: bool = True  # writes the model solution into code cells


PERSONAS = (
    Persona("strong", "Answers every item with the key's best reading; writes the model answer.", _strong, ""),
    Persona("careless", "Knows the material but slips: every third item of each form (3rd, 6th, ...) gets a "
            "wrong answer (the next label in the list that is not accepted; a content word instead of the cue; "
            "a number ten times too big).", _careless,
            "I would check the shells number because it is very big and could be wrong."),
    Persona("hedge-blind", "Does not notice epistemic hedges: labels every claim whose best reading is 'hedged' as "
            "'stated as fact', and types a content word instead of a hedge cue (could, likely, allegedly...).",
            _hedge_blind, "The article says North Korea sent millions of shells, so I would trace that fact first."),
    Persona("bound-as-hedge", "Reads bound words (up to, at least, about, over, nearly) as hedges: labels any claim "
            "containing one 'hedged', types the bound word as the cue, and swaps upper and lower bounds.",
            _bound_as_hedge, "I would trace 'up to 3 million' because 'up to' means nobody is sure."),
    Persona("source-truster", "Takes reported speech as the outlet's own assertion: labels every claim whose best "
            "reading is 'attributed' as 'stated as fact'; otherwise right.", _source_truster,
            "DW is a reliable outlet, so I would not need to trace any claim."),
    Persona("out-of-time", "Right on the first half of every form, then stops: the rest is unanswered and the "
            "written answer and the code cells are left as released.", _out_of_time, None, False),
    Persona("blank", "Opens the notebook and submits it without answering anything.", _blank, None, False),
)
BY_NAME = {p.name: p for p in PERSONAS}


def tasks(course: Course, assignment: str, root=None) -> dict[str, list[tuple[GradeCell, Task]]]:
    """Every autograded item of an assignment, grouped by the form variable that holds its answer."""
    out: dict[str, list[GradeCell]] = {}
    for cell in course.grade_cells(assignment):
        if not cell.manual and cell.spec.get("answers"):  # a form item (a code answer has "name" instead)
            out.setdefault(cell.spec["answers"], []).append(cell)
    result = {}
    for var, cells in out.items():
        keys = [course.key(c) for c in cells]
        result[var] = [(c, Task(c.spec["item"], k["kind"], k, item_text(c, root), i, len(cells)))
                       for i, (c, k) in enumerate(zip(cells, keys, strict=True))]
    return result


def answers(persona: Persona, course: Course, assignment: str, root=None) -> dict[str, dict]:
    """{form variable: the dict the persona records} (blank answers are left out)."""
    out = {}
    for var, items in tasks(course, assignment, root).items():
        given = {t.item: persona.rule(t) for _, t in items}
        out[var] = {k: v for k, v in given.items() if v is not None}
    return out


def submission(persona: Persona, course: Course, assignment: str, notebook: str, root=None):
    """The released notebook filled in as ``persona`` would, as a NotebookNode."""
    nb = nbformat.read(course.folder("release", assignment) / f"{notebook}.ipynb", as_version=4)
    recorded = answers(persona, course, assignment, root)
    for var, (cell, _) in forms(nb).items():
        if var in recorded:
            new = replace_recorded(cell.source, format_literal(recorded[var], list(recorded[var])))
            if new is not None:
                cell.source = new
    source = nbformat.read(course.folder("source", assignment) / f"{notebook}.ipynb", as_version=4)
    model = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells
             if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        solution = model.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if solution is None:
            continue
        if solution.cell_type == "markdown" and solution.metadata["nbgrader"].get("grade") and persona.written is not None:
            cell.source = persona.written or solution.source
        elif solution.cell_type == "code" and persona.codes:
            cell.source = solution.source
    return nb


def make_class(course: Course, personas=PERSONAS, copies: int = 1, root=None, assignments=None) -> list[str]:
    """Write every persona's submission of every released assignment into the course's submitted folder.

    With ``copies`` > 1 each persona appears several times (``strong-2``...), for timing larger classes.
    """
    students = []
    for assignment in assignments or course.assignments():
        release = course.folder("release", assignment)
        if not release.is_dir():
            continue
        for persona in personas:
            for n in range(1, copies + 1):
                student = persona.name if n == 1 else f"{persona.name}-{n}"
                folder = course.folder("submitted", assignment, student)
                folder.mkdir(parents=True, exist_ok=True)
                for path in sorted(release.glob("*.ipynb")):
                    nbformat.write(submission(persona, course, assignment, path.stem, root), folder / path.name)
                students.append(student)
    return sorted(set(students))


def student_persona(student: str) -> Persona:
    """The persona behind a demo student id (``careless-3`` -> careless)."""
    name = student if student in BY_NAME else student.rsplit("-", 1)[0]
    return BY_NAME[name]


def copy_course(src: Path, dest: Path) -> Course:
    """A fresh course folder: the repository's nbgrader_config.py, solutions/, exercises/ and feedback
    template; its grader reads the answer keys from the repository's data/key/."""
    import shutil

    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "nbgrader_config.py", dest)
    with open(dest / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(f"\nc.ScoreItems.key_root = {str(src)!r}  # the keys stay in the repository\n")
    for folder in ("solutions", "exercises", "templates"):
        shutil.copytree(src / folder, dest / folder, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return Course(dest)
