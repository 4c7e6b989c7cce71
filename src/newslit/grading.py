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


def check(answers, item: str, key: dict) -> _answers.Check:
    """Check one item of an answers dict against its key entry."""
    if not isinstance(answers, dict):
        return _answers.Check(item, "missing" if answers is None else "invalid",
                              "no answers recorded" if answers is None else
                              f"answers must be a dict, not {type(answers).__name__}")
    given = answers.get(item)
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
        print(f"{item}: {_SYMBOL[result.status]} ({earned:g}/{points:g}). {result.message}")
    except Exception as err:  # a grader bug or hostile input must not leak to stderr
        earned = 0.0
        print(f"{item}: could not be checked ({type(err).__name__}); scored 0.")
        return earned
    if key.get("why"):
        print(f"Why: {key['why']}")
    return earned
