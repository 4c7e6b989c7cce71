"""Student-side checks printed by the visible part of test cells: complete? valid? recorded?

They never reveal correctness of assessed items and never raise.
"""

from __future__ import annotations

from newslit.answers import AnswerError, normalize_cue, normalize_label, parse_number
from newslit.grading import plain
from newslit.widgets import item_options, match_option, unrecorded


def _choice(value, options=()):
    if not isinstance(value, str):
        raise AnswerError(f"choose one of the options (text), not {type(value).__name__} {value!r}")
    if options and match_option(value, options) is None:
        raise AnswerError(f"{value!r} is not one of the options: {', '.join(options)}")


def _choices(value):
    if isinstance(value, str) or not isinstance(value, list | tuple | set) or not all(isinstance(v, str) for v in value):
        raise AnswerError(f"give a list of options (text), like ['a', 'b'], not {value!r}")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_NORMALIZE = {"label": normalize_label, "cue": normalize_cue, "number": parse_number, "choices": _choices}


def _validate(value, kind: str, qid: str | None, item: str):
    """Raise AnswerError when the answer is not valid for its kind (and, for menus, not an option)."""
    if kind == "choice":
        _choice(value, item_options(qid, item) if qid else ())
    elif kind in _NORMALIZE:
        _NORMALIZE[kind](value)


def check_answer(answers, item: str, kind: str = "label", qid: str | None = None) -> None:
    """Print whether ``answers[item]`` is present and well-formed (not whether it is right)."""
    pending = unrecorded(qid) if qid else []
    if item in pending:
        print(f"⚠ {item}: you changed this in the widgets but did not re-run the form cell: "
              "that click is NOT RECORDED and will not be graded.")
    if not isinstance(answers, dict):
        print(f"{item}: no answers recorded yet: run the form cell above (if it shows an error, such as a "
              "missing comma or quote in recorded=..., fix that first)." if answers is None else
              f"{item}: answers must be a dict like {{'{item}': ...}}, not {type(answers).__name__}.")
        return
    if not plain(answers):  # made by code, not typed: its methods could raise (the grader ignores it too)
        print(f"{item}: ✘ answers must be plain text or numbers, like {{'{item}': ...}}; re-run the form cell.")
        return
    if _blank(answers.get(item)):
        print(f"{item}: not answered yet.")
        return
    try:
        _validate(answers[item], kind, qid, item)
    except AnswerError as err:
        print(f"{item}: ✘ {err}")
        return
    note = ""
    if kind == "cue" and len(normalize_cue(answers[item]).split()) > 2:
        note = " Remember: give only the cue word or phrase; extra words or several cues earn nothing."
    print(f"{item}: answered ({answers[item]!r}). Correctness is shown in your graded feedback.{note}")


def summary(answers, items, qid: str, kind: str = "label") -> None:
    """A before-you-submit overview: unanswered, invalid and unrecorded items of one form."""
    pending = unrecorded(qid)
    answers = answers if isinstance(answers, dict) and plain(answers) else {}
    missing, invalid = [], []
    for item in items:
        if _blank(answers.get(item)):
            missing.append(item)
            continue
        try:
            _validate(answers[item], kind, qid, item)
        except AnswerError:
            invalid.append(item)
    extra = [k for k in answers if k not in items]
    lines = []
    if pending:
        lines.append(f"⚠ NOT RECORDED (re-run the form cell): {', '.join(pending)}")
    if missing:
        lines.append(f"Not answered: {', '.join(missing)}")
    if invalid:
        lines.append(f"Not valid answers: {', '.join(invalid)}")
    if extra:
        lines.append(f"Unknown item ids (ignored by the grader): {', '.join(map(repr, extra))}")
    print("\n".join(lines) if lines else f"{qid}: all {len(items)} items answered and recorded.")
