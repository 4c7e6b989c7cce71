"""Instructor side: the answer key of each autograded item, built from data/key/ when grading.

Each autograded test cell of a solutions notebook carries metadata
``{"newslit": {"table": "claims", "item": "c02", "kind": "label", "answers": "labels"}}`` (a code
answer has ``"name"``, the student's variable, instead of ``"answers"``). ``items`` reads that table
from the instructor's notebook, ``key_entry`` builds an item's key from its row in data/key/ (the
key's one home): no notebook holds a key, and ``leaked`` proves it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import nbformat

from newslit import data


def _split(cell: str) -> list[str]:
    return [p for p in cell.split("|") if p]


def _label_key(row) -> dict:
    return {"kind": "label", "label": row["label"], "alternates": _split(row["alternates"]), "why": row["explanation"]}


def _cue_key(row) -> dict:
    return {"kind": "cue", "accept": _split(row["cue_answers"]) or [row["cue"]],
            "why": f"The cue is '{row['cue']}'. {row['explanation']}"}


_PLAIN = {"label": _label_key, "cue": _cue_key}


def _builder(kind: str):
    """(builds the key dict from the item's keyed row, whether it needs a pandas row) for a metadata kind.

    Exercise 2's builders live beside the interval and unit logic they use (pandas), exercise 3's
    beside the sources; each is imported only when asked for, so scoring exercise 1 loads neither.
    """
    if kind in _PLAIN:
        return _PLAIN[kind], False
    from newslit import sources

    if kind in sources.KEY_BUILDERS:
        return sources.KEY_BUILDERS[kind], False
    from newslit import estimates

    return estimates.KEY_BUILDERS[kind], True


def key_entry(spec: dict, root=None) -> dict:
    """The key dict for one item, from the table named in the cell's metadata (data/key/ under ``root``,
    or key/ of the article pack the metadata names)."""
    root = data.item_root(spec, root)
    with data.reading(root):  # another article's helpers (citations, sentences) read its own pack
        key = _build(spec, root)
    if spec.get("name"):  # a code answer: the feedback names the student's variable
        key["name"] = spec["name"]
    return key


def _build(spec: dict, root) -> dict:
    build, frame = _builder(spec["kind"])
    if frame:  # exercise 2's builders also read other rows of the keyed table: from the same root
        from newslit import estimates

        row = data.load(spec["table"], root=root, with_key=True).loc[spec["item"]]
        token = estimates.KEY_ROOT.set(root)
        try:
            key = build(row)
        finally:
            estimates.KEY_ROOT.reset(token)
    else:
        key = build(data.records(spec["table"], root=root, with_key=True)[spec["item"]])
    return key


@cache
def _keys(root: str, spec: str) -> str:
    return json.dumps(key_entry(json.loads(spec), root or None))


def cached_key(spec: dict, root=None) -> dict:
    """``key_entry``, built once per process and item (a fresh copy each call)."""
    return json.loads(_keys(str(root or ""), json.dumps(spec, sort_keys=True)))


def items(nb) -> dict[str, dict]:
    """{grade_id: newslit metadata} of every autograded item of an instructor's notebook."""
    out = {}
    for cell in nb.cells:
        spec = cell.metadata.get("newslit")
        meta = cell.metadata.get("nbgrader", {})
        if spec and "kind" in spec and meta.get("grade"):
            out[meta["grade_id"]] = dict(spec)
    return out


def key_texts(key: dict) -> list[str]:
    """The parts of a key no student may see before grading: its explanation and its exact literal.

    Short values (labels, options, cue words from the article, numbers) are on every student's page
    anyway, so they are not looked for; a computed answer (an interval's notation) is in its explanation.
    """
    return ([key["why"]] if key.get("why") else []) + [json.dumps(key, ensure_ascii=False)]


def leaked(root: str | Path) -> list[str]:
    """Cells of solutions/ that hold an answer key (a key literal, an explanation, or an old hidden-test block)."""
    root = Path(root)
    key_root = root if (root / "data" / "key").is_dir() else None  # a copied course: the repository's keys
    found = []
    for path in sorted((root / "solutions").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        texts = [t for spec in items(nb).values() for t in key_texts(key_entry(spec, key_root))]
        for cell in nb.cells:
            if "HIDDEN TESTS" in cell.source or any(t in cell.source for t in texts):
                gid = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {nb.cells.index(cell)}")
                found.append(f"{path.relative_to(root)}:{gid}")
    return found
