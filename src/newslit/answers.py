"""Checking students' answers: normalising, validating and comparing them with accepted answers.

Plain functions, no widgets and no notebooks. What counts as the same answer:
- labels: case, surrounding/inner whitespace, Unicode compatibility forms (NFKC) and curly vs
  straight quotes are ignored; "fact" is accepted for "stated as fact";
- cue words: the same normalisation, plus surrounding quotes and punctuation are dropped; the
  answer must be the cue word or phrase itself (one of the key's accepted cues): extra words, or a
  list of several cue words, do not earn the point.
Anything else (a number, a list, None, an unknown word) is not a label and is reported as such.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

# The label vocabulary lives here, not in newslit.data (which re-exports it): the student's kernel and
# nbgrader's scoring step import this module, and neither needs pandas or the table schemas.
LABELS = ("stated as fact", "attributed", "hedged", "denied", "opinion")

LABEL_ALIASES = {"fact": "stated as fact", "stated fact": "stated as fact", "statedasfact": "stated as fact"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "…": "..."})


def normalize_text(value: str) -> str:
    """Casefold, NFKC, straight quotes, single spaces."""
    value = unicodedata.normalize("NFKC", value).translate(_QUOTES).casefold()
    return re.sub(r"\s+", " ", value).strip()


class AnswerError(ValueError):
    """An answer that cannot be checked (wrong type, unknown label, unknown item)."""


def normalize_label(value) -> str:
    """The canonical label for ``value``, or AnswerError with a message a student can act on."""
    if value is None or value == "":
        raise AnswerError("no answer yet")
    if not isinstance(value, str):
        raise AnswerError(f"a label is text such as 'hedged', not {type(value).__name__} {value!r}")
    text = normalize_text(value)
    text = LABEL_ALIASES.get(text, text)
    if text not in LABELS:
        raise AnswerError(f"{value!r} is not a label; choose one of: {', '.join(LABELS)}")
    return text


def normalize_cue(value) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise AnswerError("no answer yet")
    if not isinstance(value, str):
        raise AnswerError(f"a cue is a word or phrase from the article, not {type(value).__name__} {value!r}")
    return normalize_text(value).strip("\"'.,;:!?()[] ")


def cue_in(cue: str, sentence: str) -> bool:
    """Whether a cue (``…`` joins separated words) appears in ``sentence``, as cue answers are compared."""
    text = normalize_text(sentence)
    return all(normalize_cue(part) in text for part in str(cue).split("…") if part.strip())


@dataclass(frozen=True)
class Check:
    """The outcome of checking one answer."""

    item: str
    status: str  # "correct" | "accepted" | "wrong" | "missing" | "invalid"
    message: str = ""

    @property
    def credit(self) -> float:
        return 1.0 if self.status in ("correct", "accepted") else 0.0


def check_label(item: str, answer, label: str, alternates=()) -> Check:
    """Compare a label answer with the key label and its accepted alternates."""
    try:
        given = normalize_label(answer)
    except AnswerError as err:
        return Check(item, "missing" if str(err) == "no answer yet" else "invalid", str(err))
    if given == label:
        return Check(item, "correct", f"'{given}' is right")
    if given in alternates:
        return Check(item, "accepted", f"'{given}' is accepted; the best reading is '{label}'")
    return Check(item, "wrong", f"'{given}' is not the best reading: it is '{label}'")


def check_cue(item: str, answer, accepted) -> Check:
    """A cue is right when it matches one accepted cue (normalised)."""
    try:
        given = normalize_cue(answer)
    except AnswerError as err:
        return Check(item, "missing" if str(err) == "no answer yet" else "invalid", str(err))
    cues = sorted({normalize_cue(a) for a in accepted}, key=len, reverse=True)
    if given in cues:
        return Check(item, "correct", f"'{given}' is the cue")
    inside = [cue for cue in cues if re.search(rf"(?<!\w){re.escape(cue)}(?!\w)", given)]
    if inside:  # the rule: the cue word or phrase alone; extra words or a list of cues earn nothing
        return Check(item, "wrong", f"'{given}' contains the cue '{inside[0]}' but also other words: "
                                    "give only the cue word or phrase")
    return Check(item, "wrong", f"'{given}' is not the cue word here")


def near_id(key, ids) -> str | None:
    """The item id a misspelt ``key`` most likely means ('C02', 'c 02' -> 'c02'), or None."""
    near = difflib.get_close_matches(normalize_text(str(key)).replace(" ", ""), list(ids), n=1)
    return near[0] if near else None


def validate_answers(answers, expected_ids) -> list[str]:
    """Problems with an answers dict as a whole: wrong type, unknown or misspelt ids, missing items.

    Returns readable messages (empty list: nothing to report). Never raises.
    """
    if answers is None:
        return ["no answers recorded yet"]
    if not isinstance(answers, dict):
        return [f"answers must be a dict like {{'c03': 'stated as fact'}}, not {type(answers).__name__}"]
    expected = list(expected_ids)
    problems = []
    for k in answers:
        if k not in expected:
            near = near_id(k, expected)
            hint = f" (did you mean {near!r}?)" if near else ""
            problems.append(f"{k!r} is not an item of this question{hint}; items are {', '.join(expected)}")
    missing = [e for e in expected if answers.get(e) in (None, "")]
    if missing:
        problems.append(f"not answered yet: {', '.join(missing)}")
    return problems


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?(e[+-]?\d+)?$")


def parse_number(value) -> float:
    """A number from an int/float or a string such as '480', '4.8e6', '4,800,000' (never '885,1')."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise AnswerError("no answer yet")
    if isinstance(value, bool):
        raise AnswerError(f"a number is needed here, not {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = normalize_text(value).replace("_", "").replace(" ", "")
        if "," in text:
            if not _THOUSANDS.match(text):
                raise AnswerError(f"{value!r}: use a point for decimals (12.5); a comma only separates thousands "
                                  "(1,000,000)")
            text = text.replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise AnswerError(f"{value!r} is not a number (write digits, e.g. 480 or 4.8e6)") from None
    else:
        try:  # numpy / pandas scalars
            number = float(value)
        except (TypeError, ValueError):
            raise AnswerError(f"a number is needed here, not {type(value).__name__}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise AnswerError(f"{value!r} is not a finite number")
    return number


def check_number(item: str, answer, value: float, tolerance: float, unit: str = "") -> Check:
    """Right when |answer - value| <= tolerance (the tolerance is stated to students)."""
    try:
        given = parse_number(answer)
    except AnswerError as err:
        return Check(item, "missing" if str(err) == "no answer yet" else "invalid", str(err))
    suffix = f" {unit}" if unit else ""
    if abs(given - value) <= tolerance + 1e-9 * max(1.0, abs(value)):
        return Check(item, "correct", f"{given:g}{suffix} is within ±{tolerance:g} of {value:g}{suffix}")
    return Check(item, "wrong", f"{given:g}{suffix} is off: the answer is {value:g}{suffix} (±{tolerance:g})")


def check_choice(item: str, answer, accept, options=None) -> Check:
    """One option out of several; ``accept`` lists the options that earn credit."""
    if answer is None or answer == "":
        return Check(item, "missing", "no answer yet")
    if not isinstance(answer, str):
        return Check(item, "invalid", f"choose one of the options (text), not {type(answer).__name__}")
    given = normalize_text(answer)
    if options and given not in {normalize_text(o) for o in options}:
        return Check(item, "invalid", f"{answer!r} is not one of the options: {', '.join(options)}")
    if given in {normalize_text(a) for a in accept}:
        return Check(item, "correct", f"'{answer}' is right")
    return Check(item, "wrong", f"'{answer}' is not right")


def check_choices(item: str, answer, accept, options=None) -> Check:
    """A set of options; credit is all-or-nothing on the exact set."""
    if answer is None or answer == "" or answer == [] or answer == ():
        return Check(item, "missing", "no answer yet")
    if isinstance(answer, str) or not isinstance(answer, list | tuple | set | frozenset):
        return Check(item, "invalid", f"give a list of options, not {type(answer).__name__}")
    try:
        given = {normalize_text(a) for a in answer}  # noqa: C401
    except TypeError:
        return Check(item, "invalid", "every option must be text")
    if options:
        unknown = given - {normalize_text(o) for o in options}
        if unknown:
            return Check(item, "invalid", f"not options: {', '.join(sorted(unknown))}")
    if given == {normalize_text(a) for a in accept}:
        return Check(item, "correct", "the set is right")
    return Check(item, "wrong", "the set is not right")
