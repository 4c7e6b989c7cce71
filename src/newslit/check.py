"""Student-side checks: is each answer there, valid and recorded? Never whether an assessed answer is right.

``check_answer`` is the visible part of a test cell, one line per item. In the student's notebook that
line is a display kept current: when an answer in its form changes, the line is redrawn at once.
``before_you_submit`` is the self-check at the end of an exercise, per form and item. None of them raises.
"""

from __future__ import annotations

from IPython import get_ipython
from IPython.display import display, update_display

from newslit import data, widgets
from newslit.answers import AnswerError, cue_in, normalize_cue, normalize_label, parse_number
from newslit.grading import plain
from newslit.widgets import grading_run, item_options, live_form, match_option, unrecorded

VALIDATE = ("nbgrader's Validate button re-runs the notebook the way the grader will and reports errors and empty "
            "written answers. It does not check your form and code answers, even blank ones: this list does.")


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


def _in_sentence(claim_id: str, cue) -> bool:
    """Whether a typed cue (``…`` joining separated words) is in the claim's sentence; True when unknown."""
    try:
        sentence = data.records("sentences")[data.records("claims")[claim_id]["sentence_id"]]["text"]
    except (data.DataError, KeyError):
        return True
    return cue_in(cue, sentence)


def _current(answers: dict, item: str, form: widgets.Form | None):
    """The answer to check: the recorded one, or what the form shows once the item was changed there."""
    if form is not None and item in form.changed():
        return form.values().get(item)
    return answers.get(item)


def _line(answers, item: str, kind: str, qid: str | None, form: widgets.Form | None = None) -> str:
    if not isinstance(answers, dict):
        return (f"{item}: no answers recorded yet: run the form cell above (if it shows an error, such as a missing "
                "comma or quote in recorded=..., fix that first)." if answers is None else
                f"{item}: answers must be a dict like {{'{item}': ...}}, not {type(answers).__name__}.")
    if not plain(answers):  # made by code, not typed: its methods could raise (the grader ignores it too)
        return f"{item}: ✘ answers must be plain text or numbers, like {{'{item}': ...}}; re-run the form cell."
    form = form or (live_form(qid) if qid else None)
    value = _current(answers, item, form)
    if _blank(value):
        line = f"{item}: not answered yet."
    else:
        try:
            _validate(value, kind, qid, item)
            line = f"{item}: answered ({value!r})."
            if kind == "cue" and len(normalize_cue(value).split()) > 2:
                line += " Remember: give only the cue word or phrase; extra words or several cues earn nothing."
            if kind == "cue" and not _in_sentence(item, value):
                line += " ⚠ These words are not in the claim's sentence: copy the cue as the text has it (a typo?)."
        except AnswerError as err:
            line = f"{item}: ✘ {err}"
    if form is not None and item in form.changed():
        line += " ⚠ NOT RECORDED YET: re-run the form cell (Shift+Enter)."
    return line


# The checks on screen, by form and item: the kind of answer and the display id.
_SHOWN: dict[str, dict[str, tuple[str, str]]] = {}


def check_answer(answers, item: str, kind: str = "label", qid: str | None = None) -> None:
    """Show whether ``answers[item]`` is present, well-formed and recorded (not whether it is right)."""
    line = _line(answers, item, kind, qid)
    if qid is None or grading_run() or get_ipython() is None:
        print(line)
        return
    display_id = f"newslit-check-{qid}-{item}"
    _SHOWN.setdefault(qid, {})[item] = (kind, display_id)
    display({"text/plain": line}, raw=True, display_id=display_id)


def _refresh(form: widgets.Form) -> None:
    """Redraw the checks of a form when it is drawn or its answers change (a listener of newslit.widgets)."""
    recorded = {**form.initial, **form.invalid}
    for item, (kind, display_id) in _SHOWN.get(form.qid, {}).items():
        update_display({"text/plain": _line(recorded, item, kind, form.qid, form)}, raw=True, display_id=display_id)


if _refresh not in widgets.ON_CHANGE:
    widgets.ON_CHANGE.append(_refresh)


def summary(answers, items, qid: str, kind: str = "label", title: str = "") -> bool:
    """Print one form's self-check, naming it and each unanswered, invalid or unrecorded item; True if ready."""
    answers = answers if isinstance(answers, dict) and plain(answers) else {}
    pending, form = unrecorded(qid), live_form(qid)
    missing, invalid, ready = [], [], 0
    for item in items:
        value = _current(answers, item, form)
        if _blank(value):
            missing.append(item)
            continue
        try:
            _validate(value, kind, qid, item)
        except AnswerError as err:
            invalid.append(f"{item} ({err})")
            continue
        ready += item not in pending
    extra = [k for k in answers if k not in items]
    where = f" ({title})" if title else ""
    if not (missing or invalid or pending or extra):
        print(f"{qid}: all {len(items)} items answered and recorded{where}.")
        return True
    lines = [f"{qid}: {ready} of {len(items)} items answered and recorded{where}."]
    if pending:
        lines.append(f"  ⚠ NOT RECORDED YET (re-run the form cell, Shift+Enter): {', '.join(pending)}")
    if missing:
        lines.append(f"  Not answered: {', '.join(missing)}")
    if invalid:
        lines.append(f"  Not valid answers: {'; '.join(invalid)}")
    if extra:
        lines.append(f"  Unknown item ids (ignored by the grader): {', '.join(map(repr, extra))}")
    print("\n".join(lines))
    return False


def before_you_submit(*forms) -> None:
    """The end-of-exercise self-check; each form is ``(title, answers, item ids, qid, kind)``."""
    ready = [summary(answers, items, qid, kind, title) for title, answers, items, qid, kind in forms]
    print("\nEverything is answered and recorded: save the notebook (disk icon) and submit it." if all(ready) else
          "\nFix what is listed above, then save the notebook (disk icon) and submit it.")
    print(VALIDATE)
