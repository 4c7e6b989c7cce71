"""Bad input typed in the forms or into ``recorded=``: a clear message in the notebook, never a traceback,
and never points. Hostile objects (made by code, not typed) are refused by the grader without running them."""

import sys

import adversarial as adv
import nbclient
import pytest
from harness import ROOT, beside, form_cell

from newslit import grading
from newslit.check import check_answer, summary
from newslit.claims import cue_feedback, cue_items
from newslit.widgets import _ITEMS, _LIVE, Item, ask, live_form, replace_recorded

ITEMS = [Item("c02", "label?", "choice", ("hedged", "opinion")), Item("n1", "how many?", "number"),
         Item("t1", "which word?", "text")]
LABEL = {"kind": "label", "label": "hedged", "alternates": ["attributed"], "why": "It says could."}
KEYS = [LABEL, {"kind": "cue", "accept": ["allegedly"]}, {"kind": "number", "value": 480, "tolerance": 5},
        {"kind": "choice", "accept": ["x"], "options": ["x", "y"]}, {"kind": "choices", "accept": ["x"]}]


@pytest.fixture(autouse=True)
def student_kernel(monkeypatch):
    """As in the student's kernel (not while nbgrader runs the notebook): forms are built."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    yield
    for form in [live.form for live in _LIVE.values()]:
        form.close()
    _LIVE.clear()
    _ITEMS.clear()


def notes(qid):
    return {k: v.value for k, v in live_form(qid).notes.items() if v.value}


@pytest.mark.parametrize("recorded", ["garbage", 42, [("c02", "hedged")], ("c02",), {"c02", "hedged"}])
def test_recorded_that_is_not_a_dict_is_explained_and_the_form_starts_empty(recorded, capsys):
    assert ask("q", ITEMS, recorded=recorded) == {}
    out, err = capsys.readouterr()
    assert f"q: recorded= must be a dict like {{'c03': 'stated as fact'}} or None, not {type(recorded).__name__}" in out
    assert err == "" and live_form("q").values() == {}


def test_unknown_item_ids_are_named_with_the_real_ones(capsys):
    recorded = {"c99": "x", "C02": "hedged", "c02": "opinion"}
    assert ask("q", ITEMS, recorded=recorded) == recorded  # graded as typed: the unknown ids are ignored
    out = capsys.readouterr().out
    assert "'c99' in recorded= is not an item of this form and is ignored by the grader; the items are c02, n1, t1" in out
    assert "'C02' in recorded= is not an item of this form and is ignored by the grader (did you mean 'c02'?)" in out


@pytest.mark.parametrize("value", ["garbage", 5, ["hedged"], b"hedged", True])
def test_a_recorded_value_that_is_no_option_is_flagged_next_to_its_menu(value):
    ask("q", ITEMS, recorded={"c02": value})
    assert f"The recorded answer {value!r} is not one of the options" in notes("q")["c02"]
    assert live_form("q").controls["c02"].value == ""


def test_text_and_number_boxes_show_whatever_was_typed(capsys):
    ask("q", ITEMS, recorded={"n1": "four hundred", "t1": 12})
    form = live_form("q")
    assert (form.controls["n1"].value, form.controls["t1"].value) == ("four hundred", "12")
    check_answer({"n1": "four hundred"}, "n1", "number")
    assert "n1: ✘ 'four hundred' is not a number (write digits, e.g. 480 or 4.8e6)" in capsys.readouterr().out


@pytest.mark.parametrize("typed", ["", "   ", "“allegedly”", "ALLEGEDLY.", "alleg\u200bedly", "x" * 10_000, "'; DROP"])
def test_typing_anything_into_a_practice_box_gives_feedback_not_an_error(typed):
    ask("p", cue_items(["c05"]), feedback=cue_feedback)
    form = live_form("p")
    form.controls["c05"].value = typed
    assert form.notes["c05"].value or typed == ""
    assert ("NOT RECORDED YET" in form.status.value) == (typed != "")


class RaiseEq:
    def __eq__(self, other):
        raise RuntimeError("eq")

    __hash__ = object.__hash__


class RaiseStr:
    def __str__(self):
        raise RuntimeError("str")

    __repr__ = __str__


class AlwaysEqual(str):
    def __eq__(self, other):
        return other != ""

    __hash__ = str.__hash__


class PretendsToBeText:
    __class__ = str  # isinstance(x, str) is True


def _grader_frame_value(name):
    frame = sys._getframe(2)
    while frame is not None and name not in frame.f_locals:
        frame = frame.f_back
    return frame.f_locals[name] if frame is not None else None


class KeyThief(dict):
    """A dict whose get() reads the key out of the grader's frame."""

    def get(self, item, default=None):
        key = _grader_frame_value("key")
        return key.get("label") or key.get("accept", [key.get("value")])[0]


class FloatThief:
    """A number whose float() is the key's value, read out of the grader's frame."""

    def __float__(self):
        return float(_grader_frame_value("value"))


HOSTILE = [RaiseEq(), RaiseStr(), AlwaysEqual("zzz"), PretendsToBeText(), FloatThief(), [RaiseEq()], {"x": RaiseStr()}]


@pytest.mark.parametrize("key", KEYS, ids=[k["kind"] for k in KEYS])
@pytest.mark.parametrize("value", HOSTILE, ids=[type(v).__name__ for v in HOSTILE])
def test_grade_scores_hostile_objects_zero_without_running_them(key, value, capsys):
    scored = grading.score({"q": value}, "q", key, 1)
    assert (scored.earned, scored.status) == (0, "invalid") and scored.message.startswith("not an answer")
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("key", KEYS, ids=[k["kind"] for k in KEYS])
def test_grade_ignores_a_dict_subclass_that_would_read_the_key(key, capsys):
    scored = grading.score(KeyThief(), "q", key, 1)
    assert scored.earned == 0 and "answers must be a dict, not an object" in scored.message
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("answers", [None, [], "hedged", 3, {"q": None}, {"q": ""}, {"q": ["hedged"]}, {"Q": "hedged"},
                                     {"q": {"label": "hedged"}}, {"q": b"hedged"}, {"q": float("nan")}, RaiseEq()])
def test_grade_never_raises_or_writes_stderr_and_gives_no_points(answers, capsys):
    for key in KEYS:
        scored = grading.score(answers, "q", key, 2)
        assert scored.earned == 0 and scored.status in ("missing", "invalid", "wrong")
        assert "✘" in grading.verdict_html(scored, key)
    assert capsys.readouterr() == ("", "")


def test_plain_accepts_what_a_literal_or_a_widget_gives_and_nothing_else():
    assert all(grading.plain(v) for v in ["x", 1, 2.5, True, None, b"x", 1j, ["x", 1], ("x",), {"x"}, {"a": ["b"]}])
    assert not any(grading.plain(v) for v in [AlwaysEqual("x"), KeyThief(), FloatThief(), [RaiseEq()], {"a": RaiseEq()},
                                              PretendsToBeText(), object()])


CHECKS = [
    (None, "label", "c02: no answers recorded yet: run the form cell above (if it shows an error"),
    ([], "label", "c02: answers must be a dict like {'c02': ...}, not list."),
    ("hedged", "label", "c02: answers must be a dict like {'c02': ...}, not str."),
    (5, "label", "c02: answers must be a dict like {'c02': ...}, not int."),
    ({}, "label", "c02: not answered yet."),
    ({"c02": ""}, "label", "c02: not answered yet."),
    ({"C02": "hedged"}, "label", "c02: not answered yet."),
    ({"c02": 3}, "label", "c02: ✘ a label is text such as 'hedged', not int 3"),
    ({"c02": ["hedged"]}, "label", "c02: ✘ a label is text such as 'hedged', not list ['hedged']"),
    ({"c02": "hedgd"}, "label", "c02: ✘ 'hedgd' is not a label; choose one of: stated as fact, attributed, hedged"),
    ({"c02": " HEDGED "}, "label", "c02: answered (' HEDGED ')."),
    ({"c02": ["allegedly"]}, "cue", "c02: ✘ a cue is a word or phrase from the article, not list"),
    ({"c02": "4,8 million"}, "number", "c02: ✘ '4,8 million': use a point for decimals"),
    ({"c02": "885,1"}, "number", "c02: ✘ '885,1': use a point for decimals (12.5); a comma only separates thousands"),
    ({"c02": "4,800,000"}, "number", "c02: answered ('4,800,000')"),
    ({"c02": "x"}, "choice", "c02: ✘ 'x' is not one of the options: hedged, opinion"),
    ({"c02": " OPINION "}, "choice", "c02: answered (' OPINION ')"),
    ({"c02": "estimated that he likely said"}, "cue", "give only the cue word or phrase; extra words or several cues earn nothing"),
    ({"c02": True}, "number", "c02: ✘ a number is needed here, not True"),
    ({"c02": float("inf")}, "number", "c02: ✘ inf is not a finite number"),
    ({"c02": RaiseEq()}, "label", "c02: ✘ answers must be plain text or numbers"),
    ({"c02": RaiseStr()}, "choice", "c02: ✘ answers must be plain text or numbers"),
    (KeyThief(c02="x"), "label", "c02: ✘ answers must be plain text or numbers"),
]


@pytest.mark.parametrize("answers,kind,message", CHECKS, ids=[str(i) for i in range(len(CHECKS))])
def test_check_answer_says_what_is_wrong_and_never_raises(answers, kind, message, capsys):
    ask("q", ITEMS)  # the form has run: menus are checked against its options
    capsys.readouterr()
    check_answer(answers, "c02", kind, qid="q")
    out, err = capsys.readouterr()
    assert message in out and err == ""
    assert "✔" not in out and "wrong" not in out  # the visible check never reveals correctness


def test_summary_lists_unknown_invalid_and_missing_items(capsys):
    summary({"C02": "hedged", "c06": "maybe", "c07": "hedged"}, ["c02", "c06", "c07"], "q")
    out = capsys.readouterr().out
    assert "Not answered: c02" in out and "Not valid answers: c06" in out
    assert "Unknown item ids (ignored by the grader): 'C02'" in out
    summary({"c02": RaiseEq()}, ["c02"], "q")
    assert "Not answered: c02" in capsys.readouterr().out


def _bad_literals(a: adv.Assignment):
    """The release with every form's recorded= holding bad input (an id in capitals, then wrong types,
    unknown words or near misses; every fourth form a string). Returns it and the items whose test cell
    must say so (✘ or 'not answered'): every invalid one, except text that is no option of a menu, which
    the form flags next to the menu (the check cell does not know the options)."""
    nb, flagged = a.notebook(), set()
    styles = [adv.wrong_type, lambda t, i: adv.UNKNOWN[i % len(adv.UNKNOWN)], adv.near_miss]
    for n, var in enumerate(a.forms):
        tests = [t for t in a.tests if t.var == var]
        pairs = [(t.item.upper() if i == 0 else t.item, 1 if i == 0 else styles[n % 3](t, i)) for i, t in enumerate(tests)]
        literal = "'garbage'" if n % 4 == 3 else "{" + "".join(f"{k!r}: {v!r}, " for k, v in pairs) + "}"
        form_cell(nb, var).source = replace_recorded(form_cell(nb, var).source, literal)
        for (key, value), t in zip(pairs, tests, strict=True):
            status = grading.check({} if n % 4 == 3 else {key: value}, t.item, t.key).status
            well_typed = isinstance(value, str) if t.kind == "choice" else (
                isinstance(value, list) and all(isinstance(v, str) for v in value))
            if status in ("missing", "invalid") and not (t.kind in ("choice", "choices") and well_typed):
                flagged.add(t.grade_id)
    return nb, flagged


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir()))
def test_released_notebooks_answer_bad_input_with_messages_not_tracebacks(name, tmp_path):
    a = adv.load(name)
    nb, flagged = _bad_literals(a)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(beside(name, tmp_path))}}).execute()
    errors = [c.source[:60] for c in nb.cells if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
    assert errors == []
    said = {c.metadata["nbgrader"]["grade_id"]: "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                                                        for o in c.outputs) for c in a.test_cells(nb)}
    quiet = {g: said[g] for g in flagged if not ("✘" in said[g] or "not answered yet" in said[g]
                                                 or "no answers recorded" in said[g])}
    assert quiet == {}
    assert len(flagged) > len(a.forms)
