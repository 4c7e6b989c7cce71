"""Scoring autograded items from a notebook, outside the student's kernel.

One implementation for nbgrader's ``ScoreItems`` step (newslit.preprocessors) and the instructor
report's re-score (newslit.report). The answer to an item comes from the notebook file only:

- a form item: the ``recorded=`` literal of the cell ``<answers> = ask(..., recorded=...)``, parsed
  with ``ast.literal_eval`` and never run (the last such cell wins; a form cell turned into a raw or
  markdown cell by accident still counts);
- a code answer (exercise 2): the plain value its locked test cell displayed as ``ANSWER_MIME``
  (``estimates.hand_in``), read from that cell's own outputs.

Scoring never raises and never writes to stderr, whatever the answers contain. Imports neither
pandas nor widgets: it runs in nbgrader's process for every submission.
"""

from __future__ import annotations

import ast
import html
import json
from dataclasses import dataclass

from newslit import answers as _answers
from newslit import data

ANSWER_MIME = "application/vnd.newslit.answer+json"
VERDICT = {"correct": "✔ correct", "accepted": "✔ accepted", "wrong": "✘ wrong", "missing": "✘ not answered",
           "invalid": "✘ not a valid answer", "unreadable": "✘ could not be read"}


class Unreadable(str):
    """An answer that could not be read from the notebook (why, as text)."""


def plain(value, depth: int = 0) -> bool:
    """Plain data, as a literal or a widget gives (text, numbers, None, and lists/tuples/sets/dicts of them).

    Checked with ``type(...) is`` only, so no method of the value runs.
    """
    t = type(value)
    if value is None or t is str or t is int or t is float or t is bool or t is complex or t is bytes:
        return True
    if depth < 4 and (t is list or t is tuple or t is set or t is frozenset):
        return all(plain(v, depth + 1) for v in value)
    if depth < 4 and t is dict:
        return all(plain(k, depth + 1) and plain(v, depth + 1) for k, v in value.items())
    return False


def _recorded(tree, name: str | None = None):
    """(variable, literal value or Unreadable) of each ``var = f(..., recorded=...)`` statement in a parsed cell."""
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call) and name in (None, node.targets[0].id)):
            kw = next((k for k in node.value.keywords if k.arg == "recorded"), None)
            if kw is None:
                continue
            try:
                value = ast.literal_eval(kw.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                value = Unreadable("recorded= is not a plain literal (it must be written out, not computed)")
            yield node.targets[0].id, value


def forms(nb) -> dict[str, tuple]:
    """{variable: (cell, recorded)} for every form cell ``variable = ask(..., recorded=...)``, whatever its cell type.

    ``recorded`` is the literal's value (a dict or None) or an ``Unreadable`` reason; the last cell
    assigning a variable wins. Never executes anything.
    """
    out = {}
    for cell in nb.cells:
        source = cell.get("source", "")
        if "recorded" not in source:
            continue
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as err:
            name = source.split("=", 1)[0].strip()
            if name.isidentifier() and "ask(" in source:
                out[name] = (cell, Unreadable(f"the form cell does not parse ({getattr(err, 'msg', err)})"))
            continue
        for var, value in _recorded(tree):
            out[var] = (cell, value)
    return out


def handed_in(cell, item: str):
    """{item: value} a code answer's test cell displayed as ``ANSWER_MIME`` (the last one), or None."""
    found = None
    for out in cell.get("outputs", []):
        value = out.get("data", {}).get(ANSWER_MIME) if out.get("output_type") in ("display_data",
                                                                                  "execute_result") else None
        if isinstance(value, dict) and value.get("item") == item and "answers" in value:
            found = json.loads(json.dumps(value["answers"]))  # plain dicts and lists (outputs are JSON)
    return found


def answers_of(nb, spec: dict, cell=None, recorded=None):
    """The answers dict an item is scored from: its form's literal, or the value its test cell handed in."""
    if spec.get("name"):  # a code answer: the student's variable, as the locked test cell displayed it
        return handed_in(cell, spec["item"]) if cell is not None else None
    recorded = forms(nb) if recorded is None else recorded
    return recorded.get(spec["answers"], (None, None))[1]


def item_text(spec: dict, root=None) -> str:
    """The article span an item is about (its table's ``span``, else its claim's), from the public tables."""
    root = data.item_root(spec, root)
    for table in dict.fromkeys([spec["table"], "claims"]):
        try:
            row = data.records(table, root=root).get(spec["item"])
        except data.DataError:
            continue
        if row and row.get("span"):
            return str(row["span"])
    return ""


def check(answers, item: str, key: dict) -> _answers.Check:
    """Check one item of an answers dict against its key entry."""
    if isinstance(answers, Unreadable):
        return _answers.Check(item, "invalid", str(answers))
    if type(answers) is not dict:
        return _answers.Check(item, "missing" if answers is None else "invalid",
                              "no answers recorded" if answers is None else
                              f"answers must be a dict, not {type(answers).__name__ if plain(answers) else 'an object'}")
    given = next((v for k, v in answers.items() if type(k) is str and k == item), None)
    if not plain(given):
        return _answers.Check(item, "invalid", "not an answer: give text, a number, or a list of them")
    kind = key.get("kind", "label")
    if kind == "label":
        return _answers.check_label(item, given, key["label"], tuple(key.get("alternates", ())))
    if kind == "cue":
        return _answers.check_cue(item, given, key["accept"])
    if kind == "number":
        return _answers.check_number(item, given, key["value"], key["tolerance"], key.get("unit", ""))
    if kind == "choice":
        return _answers.check_choice(item, given, key["accept"], key.get("options"))
    if kind == "choices":
        return _answers.check_choices(item, given, key["accept"], key.get("options"))
    raise KeyError(f"unknown key kind {kind!r}")


@dataclass(frozen=True)
class Scored:
    """One item scored: the check, the points earned and out of, and the answer given (as text)."""

    item: str
    status: str
    message: str
    earned: float
    points: float
    answer: str


def _given(answers, item: str) -> str:
    if isinstance(answers, Unreadable) or type(answers) is not dict:
        return ""
    value = next((v for k, v in answers.items() if type(k) is str and k == item), None)
    return "" if value is None else repr(value) if plain(value) else "(an object made by code)"


def score(answers, item: str, key: dict, points: float = 1.0) -> Scored:
    """Score one item; never raises (a grader bug or hostile input scores 0 with a message)."""
    try:
        result = check(answers, item, key)
        status = "unreadable" if isinstance(answers, Unreadable) else result.status
        return Scored(item, status, result.message, round(points * result.credit, 4), points, _given(answers, item))
    except Exception as err:
        return Scored(item, "invalid", f"could not be checked ({type(err).__name__}); scored 0", 0.0, points, "")


def verdict_html(s: Scored, key: dict, text: str = "", name: str = "") -> str:
    """The feedback a student reads for one item: id and text, verdict, their answer, why, points."""
    e = html.escape
    who = f"{e(name)} ({e(s.item)})" if name else e(s.item)
    head = f"<b>{who}</b>" + (f": {e(text)}" if text else "")
    answer = f"<code>{e(s.answer)}</code>" if s.answer else "<i>none</i>"
    rows = [f"<p>{head}</p>",
            f"<p><b>{VERDICT[s.status]}</b> · {s.earned:g} of {s.points:g} point{'s' if s.points != 1 else ''}</p>",
            f"<p>Your answer: {answer}" + (f" ({e(s.message)})" if s.message else "") + "</p>"]
    if key.get("why"):
        rows.append(f"<p><b>Why:</b> {e(key['why'])}</p>")
    return ("<div class='newslit-verdict' style='white-space:normal;overflow-wrap:anywhere;max-width:60em'>"
            + "".join(rows) + "</div>")
