"""The checks students see: one line per item, kept current while the form changes, and a self-check
before submitting that names each form and item."""

import os

import pytest
from harness import ROOT, released
from jupyter_client.manager import start_new_kernel

from newslit import check
from newslit.check import VALIDATE, before_you_submit, check_answer, summary
from newslit.widgets import _ITEMS, _LIVE, Item, ask, live_form

ITEMS = [Item("c02", "label?", "choice", ("hedged", "opinion")), Item("c06", "label?", "choice", ("hedged", "opinion")),
         Item("n1", "how many?", "number")]


@pytest.fixture(autouse=True)
def student_kernel(monkeypatch):
    """A student's kernel: forms are drawn, and check lines are displays (recorded here) instead of prints."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    shown = {}
    monkeypatch.setattr(check, "get_ipython", lambda: object())
    monkeypatch.setattr(check, "display", lambda data, raw, display_id: shown.__setitem__(display_id, data["text/plain"]))

    def update(data, raw, display_id):
        assert display_id in shown, "an update for a check that was never shown"
        shown[display_id] = data["text/plain"]

    monkeypatch.setattr(check, "update_display", update)
    yield shown
    for form in [live.form for live in _LIVE.values()]:
        form.close()
    _LIVE.clear()
    _ITEMS.clear()
    check._SHOWN.clear()


def test_a_check_follows_its_form_without_re_running(student_kernel):
    shown = student_kernel
    answers = ask("q", ITEMS, recorded={"c06": "opinion"})
    for item in ("c02", "c06"):
        check_answer(answers, item, "choice", qid="q")
    assert shown == {"newslit-check-q-c02": "c02: not answered yet.", "newslit-check-q-c06": "c06: answered ('opinion')."}

    live_form("q").controls["c02"].value = "hedged"  # a click
    assert shown["newslit-check-q-c02"] == "c02: answered ('hedged'). ⚠ NOT RECORDED YET: re-run the form cell (Shift+Enter)."
    live_form("q").controls["c06"].value = ""  # cleared
    assert shown["newslit-check-q-c06"].startswith("c06: not answered yet. ⚠ NOT RECORDED YET")

    ask("q", ITEMS, recorded={"c06": "opinion"})  # the form cell re-run: the clicks are recorded
    assert shown == {"newslit-check-q-c02": "c02: answered ('hedged').", "newslit-check-q-c06": "c06: not answered yet."}


def test_checks_of_other_forms_are_left_alone(student_kernel):
    shown = student_kernel
    ask("q", ITEMS)
    ask("r", ITEMS)
    check_answer(None, "c02", "choice", qid="q")
    live_form("r").controls["c02"].value = "hedged"
    assert shown == {"newslit-check-q-c02": "c02: no answers recorded yet: run the form cell above (if it shows an "
                     "error, such as a missing comma or quote in recorded=..., fix that first)."}


def test_a_recorded_value_no_menu_can_show_stays_flagged_after_other_clicks(student_kernel):
    shown = student_kernel
    answers = ask("q", ITEMS, recorded={"c02": "maybe"})
    check_answer(answers, "c02", "choice", qid="q")
    live_form("q").controls["c06"].value = "hedged"
    assert shown["newslit-check-q-c02"] == "c02: ✘ 'maybe' is not one of the options: hedged, opinion"


def test_summary_names_the_form_and_every_item_that_is_not_ready(capsys):
    answers = ask("q", ITEMS, recorded={"c06": "maybe", "n1": 480})
    live_form("q").controls["c02"].value = "hedged"
    capsys.readouterr()
    assert summary(answers, ["c02", "c06", "c07"], "q", kind="choice", title="Labels, section 4") is False
    assert capsys.readouterr().out.splitlines() == [
        "q: 0 of 3 items answered and recorded (Labels, section 4).",
        "  ⚠ NOT RECORDED YET (re-run the form cell, Shift+Enter): c02",
        "  Not answered: c07",
        "  Not valid answers: c06 ('maybe' is not one of the options: hedged, opinion)",
        "  Unknown item ids (ignored by the grader): 'n1'"]


def test_before_you_submit_goes_through_every_form_and_says_what_validate_does(capsys):
    labels = ask("ex-labels", ITEMS[:2], recorded={"c02": "hedged", "c06": "opinion"})
    capsys.readouterr()
    before_you_submit(("Labels", labels, ["c02", "c06"], "ex-labels", "choice"),
                      ("Numbers", None, ["n1"], "ex-numbers", "number"))
    out = capsys.readouterr().out
    assert "ex-labels: all 2 items answered and recorded (Labels)." in out
    assert "ex-numbers: 0 of 1 items answered and recorded (Numbers).\n  Not answered: n1" in out
    assert "Fix what is listed above" in out and out.rstrip().endswith(VALIDATE)
    before_you_submit(("Labels", labels, ["c02", "c06"], "ex-labels", "choice"))
    assert "Everything is answered and recorded" in capsys.readouterr().out


@pytest.mark.slow
def test_in_a_kernel_a_click_redraws_the_check_under_the_form():
    """The released ex1 in a real kernel: a click sends update_display_data for that item's check line."""
    nb = released("ex1")
    form = next(i for i, c in enumerate(nb.cells) if c.source.startswith("labels = ask("))
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT / "exercises" / "ex1"),
                              env={k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"})
    try:
        def run(code):
            messages = []
            kc.execute_interactive(code, timeout=60, output_hook=messages.append)
            assert not [m for m in messages if m["msg_type"] == "error"], code
            return messages

        for cell in nb.cells[:form + 3]:  # up to the first two check cells under the labels form
            if cell.cell_type == "code":
                run(cell.source)
        shown = run("import newslit.widgets as w\nw.live_form('ex1-labels').controls['c02'].value = 'opinion'")
        updates = {m["content"]["transient"]["display_id"]: m["content"]["data"]["text/plain"]
                   for m in shown if m["msg_type"] == "update_display_data"}
        assert updates["newslit-check-ex1-labels-c02"].startswith("c02: answered ('opinion'). ⚠ NOT RECORDED YET")
        assert updates["newslit-check-ex1-labels-c06"] == "c06: not answered yet."
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_cue_that_is_not_in_the_sentence_is_flagged_without_saying_the_answer():
    """A typo in a typed cue is shown at once (the grader would not match it); the warning names no cue."""
    from newslit import data

    row = next(r for r in data.records("claims").values() if r["sentence_id"] and r["role"] == "practice" and r["cue"])
    sentence = data.records("sentences")[row["sentence_id"]]["text"]
    word = sentence.split()[1]
    assert "not in the claim's sentence" not in check._line({row["claim_id"]: word}, row["claim_id"], "cue", None)
    flagged = check._line({row["claim_id"]: "xqzt"}, row["claim_id"], "cue", None)
    assert "not in the claim's sentence" in flagged and row["cue"] not in flagged.split("⚠")[1]
