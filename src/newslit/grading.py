"""Scoring one assessed item inside an nbgrader hidden test.

A hidden test cell ends with ``grade(answers, item_id, key, points)``: it prints a short,
readable verdict with the explanation (this is what students see in their feedback) and returns
the points earned, which nbgrader reads as partial credit. It never raises and never writes to
stderr (nbgrader scores a cell 0 on any stderr output), whatever the student's answers contain.

Hidden tests reload this module first, so a student cell that replaced ``grade`` or the checks
it calls cannot change the score (see ``fresh``).
"""

from __future__ import annotations

import importlib
import sys

from newslit import answers as _answers

_SYMBOL = {"correct": "✔ correct", "accepted": "✔ accepted", "wrong": "✘ wrong", "missing": "✘ missing",
           "invalid": "✘ not a valid answer"}


def fresh():
    """Reload the checking modules from disk and return a clean ``grade`` function."""
    for name in ("newslit.data", "newslit.answers", "newslit.grading"):
        if name in sys.modules:
            importlib.reload(sys.modules[name])
    return importlib.import_module("newslit.grading").grade


def plain(value, depth: int = 0) -> bool:
    """Plain data, as a literal or a widget gives (text, numbers, None, and lists/tuples/sets/dicts of them).

    Checked with ``type(...) is`` only, so no method of the value runs. Grading looks at nothing
    else: an object made by a student's code (a dict subclass, a ``__float__``) runs no code while
    it is graded, so it cannot read the key from the grader's frame.
    """
    t = type(value)
    if value is None or t is str or t is int or t is float or t is bool or t is complex or t is bytes:
        return True
    if depth < 4 and (t is list or t is tuple or t is set or t is frozenset):
        return all(plain(v, depth + 1) for v in value)
    if depth < 4 and t is dict:
        return all(plain(k, depth + 1) and plain(v, depth + 1) for k, v in value.items())
    return False


def check(answers, item: str, key: dict) -> _answers.Check:
    """Check one item of an answers dict against its key entry."""
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


def grade(answers, item: str, key: dict, points: float = 1.0) -> float:
    """Print the verdict and explanation for one item; return the points earned."""
    try:
        result = check(answers, item, key)
        earned = round(points * result.credit, 4)
        who = f"{key['name']} ({item})" if key.get("name") else item
        print(f"{who}: {_SYMBOL[result.status]} ({earned:g}/{points:g}). {result.message}")
    except Exception as err:  # a grader bug or hostile input must not leak to stderr
        earned = 0.0
        print(f"{item}: could not be checked ({type(err).__name__}); scored 0.")
        return earned
    if key.get("why"):
        print(f"Why: {key['why']}")
    return earned
