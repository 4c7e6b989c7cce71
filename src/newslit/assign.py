"""Instructor side: write the answer keys from data/key/ into the hidden tests of solutions/.

Each autograded test cell in a solutions notebook carries metadata
``{"newslit": {"table": "claims", "item": "c02", "kind": "label", "answers": "labels"}}`` (plus
``"name"``, the student's variable, for a code answer).
``sync`` rewrites the cell's ``### BEGIN/END HIDDEN TESTS`` block from the key, so every key
literal in a notebook is traceable to one row of data/key/ (and ``sync(check=True)`` proves it).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from newslit import data, estimates, sources

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"

# The hidden test drops every newslit module and imports it afresh, so nothing a student's
# cell replaced (functions, module attributes) is used to score.
PROLOGUE = (
    "import sys as _sys\n"
    "for _m in [m for m in _sys.modules if m.split('.')[0] == 'newslit']:\n"
    "    del _sys.modules[_m]\n"
    "from newslit.grading import grade as _grade\n"
)


def _split(cell: str) -> list[str]:
    return [p for p in cell.split("|") if p]


def _label_key(row) -> dict:
    return {"kind": "label", "label": row["label"], "alternates": _split(row["alternates"]), "why": row["explanation"]}


def _cue_key(row) -> dict:
    return {"kind": "cue", "accept": _split(row["cue_answers"]) or [row["cue"]],
            "why": f"The cue is '{row['cue']}'. {row['explanation']}"}


# kind in the cell metadata -> builds the key dict from the item's (keyed) row
KEY_BUILDERS = {"label": _label_key, "cue": _cue_key}
# Exercise 2 (estimates): the builders live beside the interval and unit logic they use.
KEY_BUILDERS.update(estimates.KEY_BUILDERS)
# Exercise 3 (lateral reading): verdicts, key evidence and slips.
KEY_BUILDERS.update(sources.KEY_BUILDERS)


def key_entry(spec: dict, root=None) -> dict:
    """The key dict for one item, from the table named in the cell's metadata."""
    row = data.load(spec["table"], root=root, with_key=True).loc[spec["item"]]
    key = KEY_BUILDERS[spec["kind"]](row)
    if spec.get("name"):  # a code answer: the feedback names the student's variable
        key["name"] = spec["name"]
    return key


def hidden_block(spec: dict, key: dict, points: float) -> str:
    literal = json.dumps(key, ensure_ascii=False)
    return (f"{BEGIN}\n{PROLOGUE}"
            f"_grade({spec['answers']}, {spec['item']!r}, {literal}, {points:g})\n{END}")


def _with_block(source: str, block: str) -> str:
    if BEGIN in source:
        head = source[: source.index(BEGIN)]
        tail = source[source.index(END) + len(END):]
        return head + block + tail
    return source.rstrip("\n") + "\n" + block


def sync(root: str | Path, check: bool = False) -> list[str]:
    """Rewrite (or with ``check`` only compare) every keyed hidden test; returns the cells out of date."""
    root = Path(root)
    stale = []
    for path in sorted((root / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        changed = False
        for cell in nb.cells:
            spec = cell.metadata.get("newslit")
            if not spec or "kind" not in spec:
                continue
            points = cell.metadata["nbgrader"]["points"]
            new = _with_block(cell.source, hidden_block(spec, key_entry(spec, root), points))
            if new != cell.source:
                stale.append(f"{path.relative_to(root)}:{cell.metadata['nbgrader']['grade_id']}")
                cell.source, changed = new, True
        if changed and not check:
            nbformat.write(nb, path)
    return stale
