"""Exercise outlines: an assignment's nbgrader source notebook written as text in its article pack.

An outline (``<pack>/exercises/<assignment>.md``) lists the notebook's cells. Each cell starts at a
marker line ``<!-- cell KIND [ID] [key=value ...] -->``; its source is the lines up to the next
marker (blank lines at its end dropped). The prose and the article's own code are literal; what
every exercise shares (nbgrader's metadata, the form cells, one autograded cell per item) comes from
the kinds below, so the same outline always builds the same notebook, byte for byte.

``markdown ID``, ``code ID``: locked text or code. ``student``: a cell the student edits and cannot
delete (a form). ``scratch``: a code cell the student may use or delete. ``solution ID``: code the student writes (nbgrader clears the solution).
``written ID points=N``: an answer graded by hand (the source is the model answer).
``test ID points=N table=T item=I kind=K [answers=V | name=V]``: one autograded item, literal source.
``checks PREFIX answers=V check=C qid=Q table=T kind=K items=a,b,c [points=N]``: one autograded item per
id, grade id ``PREFIX`` + id, source ``check_answer(V, 'id', 'C', qid='Q')``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import nbformat

MARKER = re.compile(r"<!-- cell (.*) -->")
KINDS = {  # kind: (takes an ID, required key=value fields)
    "markdown": (True, ()), "code": (True, ()), "student": (False, ()), "scratch": (False, ()), "solution": (True, ()),
    "written": (True, ("points",)), "test": (True, ("points", "table", "item", "kind")),
    "checks": (True, ("answers", "check", "qid", "table", "kind", "items")),
}
METADATA = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"}}


class OutlineError(ValueError):
    """An outline breaks its format; the message names file, line and field."""


@dataclass
class Cell:
    kind: str
    id: str = ""
    args: dict = field(default_factory=dict)
    source: str = ""
    line: int = 0

    def items(self) -> list[str]:
        """The ids a ``checks`` cell scores (one per autograded cell), else the one item of a ``test``."""
        if self.kind == "checks":
            return [i for i in self.args["items"].split(",") if i]
        return [self.args["item"]] if self.kind == "test" else []

    @property
    def graded(self) -> bool:
        return self.kind in ("test", "checks")


def parse(text: str, where: str = "outline") -> list[Cell]:
    """The cells of an outline; an unknown kind, a missing ID or field raises OutlineError."""
    cells: list[Cell] = []
    lines = text.split("\n")
    for no, line in enumerate(lines, start=1):
        m = MARKER.fullmatch(line)
        if not m:
            if cells:
                cells[-1].source += line + "\n"
            elif line.strip():
                raise OutlineError(f"{where}, line {no}: text before the first '<!-- cell ... -->' marker")
            continue
        words = m.group(1).split()
        kind, rest = words[0], words[1:]
        if kind not in KINDS:
            raise OutlineError(f"{where}, line {no}, field 'kind': unknown cell kind {kind!r}; "
                               f"kinds are {', '.join(KINDS)}")
        takes_id, required = KINDS[kind]
        cell = Cell(kind, line=no)
        if takes_id:
            if not rest or "=" in rest[0]:
                raise OutlineError(f"{where}, line {no}, field 'id': a {kind} cell needs an ID after its kind")
            cell.id, rest = rest[0], rest[1:]
        for word in rest:
            key, eq, value = word.partition("=")
            if not eq or not value:
                raise OutlineError(f"{where}, line {no}, field {key!r}: expected key=value, got {word!r}")
            cell.args[key] = value
        missing = [f for f in required if f not in cell.args]
        if missing:
            raise OutlineError(f"{where}, line {no}, field {missing[0]!r}: a {kind} cell needs {missing[0]}=...")
        cells.append(cell)
    for cell in cells:
        cell.source = cell.source.rstrip("\n")
        if cell.kind == "checks" and cell.source.strip():
            raise OutlineError(f"{where}, line {cell.line}: a checks cell has no source (its cells are generated)")
    return cells


def _nbgrader(grade_id: str, *, grade=False, locked=True, solution=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = float(points) if "." in str(points) else int(points)
    return {"nbgrader": meta}


def spec(args: dict, item: str, pack: str | None = None) -> dict:
    """The ``newslit`` metadata of one autograded item."""
    spec = {"table": args["table"], "item": item, "kind": args["kind"]}
    spec.update({k: args[k] for k in ("answers", "name") if k in args})
    if pack:
        spec["pack"] = pack
    return spec


def notebook(cells: list[Cell], pack: str | None = None) -> nbformat.NotebookNode:
    """The nbgrader source notebook of an outline. ``pack`` names the article pack of every item
    (None: the course's own article) so grading finds its key."""
    out, students = [], 0

    def code(cid, source, metadata):
        out.append(nbformat.v4.new_code_cell(source, id=cid, metadata=metadata))

    for cell in cells:
        if cell.kind == "markdown":
            out.append(nbformat.v4.new_markdown_cell(cell.source, id=cell.id, metadata=_nbgrader(cell.id)))
        elif cell.kind == "code":
            code(cell.id, cell.source, _nbgrader(cell.id))
        elif cell.kind == "student":
            students += 1
            code(f"student-{students}", cell.source, {"deletable": False, "editable": True})
        elif cell.kind == "scratch":
            students += 1
            code(f"student-{students}", cell.source, {})
        elif cell.kind == "solution":
            code(cell.id, cell.source, _nbgrader(cell.id, locked=False, solution=True))
        elif cell.kind == "written":
            meta = _nbgrader(cell.id, grade=True, locked=False, solution=True, points=cell.args["points"])
            out.append(nbformat.v4.new_markdown_cell(cell.source, id=cell.id, metadata=meta))
        elif cell.kind == "test":
            meta = _nbgrader(cell.id, grade=True, points=cell.args["points"])
            code(cell.id, cell.source, {**meta, "newslit": spec(cell.args, cell.args["item"], pack)})
        else:  # checks
            a = cell.args
            for item in cell.items():
                gid = cell.id + item
                meta = _nbgrader(gid, grade=True, points=a.get("points", "1"))
                code(gid, f"check_answer({a['answers']}, '{item}', '{a['check']}', qid='{a['qid']}')",
                     {**meta, "newslit": spec(a, item, pack)})
    return nbformat.v4.new_notebook(cells=out, metadata=METADATA)
