"""The recording form without a browser: values, unrecorded changes, and rewriting the cell literal."""

import time

from newslit import widgets
from newslit.claims import label_feedback, label_items
from newslit.widgets import CHOOSE, Form, Item, ask, format_literal, live_form, replace_recorded, unrecorded


def test_replace_recorded_rewrites_only_the_literal():
    src = 'labels = ask("ex1-labels", label_items(ASSESSED), recorded=None)'
    new = replace_recorded(src, format_literal({"c02": "opinion", "c06": "hedged"}, ["c06", "c02"]))
    assert new == 'labels = ask("ex1-labels", label_items(ASSESSED), recorded={\n    \'c06\': \'hedged\',\n    \'c02\': \'opinion\',\n})'
    again = replace_recorded(new, format_literal({}, []))
    assert again == src


def test_replace_recorded_handles_non_ascii_before_the_literal():
    src = 'x = ask("q", ITEMS, recorded={"c1": "“hedged”"})  # é'
    assert replace_recorded(src, "None") == 'x = ask("q", ITEMS, recorded=None)  # é'
    assert replace_recorded("x = (", "None") is None


def test_form_starts_from_the_recorded_literal_and_flags_clicks():
    items = label_items(["c02", "c06"])
    form = Form("t1", items, {"c02": "opinion"}, None)
    assert form.values() == {"c02": "opinion"} and form.changed() == []
    assert "1 of 2 answered" in form.status.value
    form.controls["c06"].value = "hedged"  # what a click does: set the trait
    assert form.changed() == ["c06"]
    assert "NOT RECORDED YET" in form.status.value and "c06" in form.status.value
    form.controls["c02"].value = ""
    assert set(form.changed()) == {"c02", "c06"}
    form.close()


def test_an_invalid_recorded_value_is_shown_not_crashed():
    form = Form("t2", label_items(["c02"]), {"c02": "maybe"}, None)
    assert form.controls["c02"].value == "" and "not one of the options" in form.notes["c02"].value
    form.close()


def test_practice_feedback_appears_on_selection():
    form = Form("t3", label_items(["c18"]), {}, label_feedback)
    form.controls["c18"].value = "attributed"
    assert "right" in form.notes["c18"].value and "pointed out" in form.notes["c18"].value
    form.controls["c18"].value = "opinion"
    assert "not the best reading" in form.notes["c18"].value
    form.close()


def test_ask_keeps_an_edited_literal_over_older_clicks(capsys):
    items = [Item("a", "<p>A</p>", "choice", ("x", "y")), Item("b", "<p>B</p>", "text")]
    first = ask("t4", items, recorded={"a": "x"})
    assert first == {"a": "x"} and unrecorded("t4") == []
    # The student types a new literal instead of clicking: the code wins.
    second = ask("t4", items, recorded={"a": "y", "b": "because"})
    assert second == {"a": "y", "b": "because"}
    assert ask("t4", items, recorded="garbage") == {}
    assert "recorded= must be a dict" in capsys.readouterr().out


def test_choose_placeholder_is_not_an_answer():
    form = Form("t5", label_items(["c02"]), {}, None)
    assert form.controls["c02"].label == CHOOSE and form.values() == {}
    form.close()


def test_cue_feedback_for_a_claim_in_the_outlets_own_voice_explains_instead_of_crashing():
    from newslit.claims import cue_feedback

    check, why = cue_feedback("c03", "announced")
    assert check.status == "wrong" and "own voice" in check.message and why


ITEMS = [Item("a", "<p>A</p>", "choice", ("x", "y")), Item("b", "<p>B</p>", "text"), Item("n", "<p>N</p>", "number")]


def test_clicks_are_recorded_and_a_rewrite_the_editor_ignored_is_caught(capsys):
    ask("t6", ITEMS)
    form = live_form("t6")
    form.controls["a"].value, form.controls["n"].value = "y", "1,234.5"
    assert unrecorded("t6") == ["a", "n"]
    assert ask("t6", ITEMS) == {"a": "y", "n": 1234.5}  # the re-run records the clicks (asks to rewrite the cell)
    assert "recorded={\n    'a': 'y',\n    'n': 1234.5,\n}" in capsys.readouterr().out  # the line to paste, always
    # The cell still says recorded=None (an editor that cannot rewrite cells): nothing is lost or called recorded.
    assert ask("t6", ITEMS) == {}
    out = capsys.readouterr().out
    assert "your answers were NOT written into this cell" in out and "'a': 'y'" in out
    assert unrecorded("t6") == ["a", "n"] and "NOT RECORDED YET" in live_form("t6").status.value
    # Pasting the line records them, and no click is reported as dropped.
    assert ask("t6", ITEMS, recorded={"a": "y", "n": 1234.5}) == {"a": "y", "n": 1234.5}
    assert "dropped" not in capsys.readouterr().out and unrecorded("t6") == []


def test_clicks_overridden_by_a_hand_edited_literal_are_announced(capsys):
    ask("t7", ITEMS, recorded={"a": "x"})
    live_form("t7").controls["b"].value = "because"
    assert ask("t7", ITEMS, recorded={"a": "y"}) == {"a": "y"}
    assert "what you typed wins; these clicks were not recorded and are dropped: b." in capsys.readouterr().out


def test_a_typed_label_in_another_case_shows_in_its_menu():
    form = Form("t8", label_items(["c02"]), {"c02": " Opinion"}, None)
    assert form.controls["c02"].value == "opinion" and not form.notes["c02"].value
    form.close()


def test_a_decimal_comma_is_not_read_as_thousands():
    form = Form("t9", ITEMS, {}, None)
    form.controls["n"].value = "885,1"
    assert form.values()["n"] == "885,1"  # kept as typed, not 8851: the check says to use a point
    form.close()


class FakeComm:
    """What widgets._open_comm gives: records what the form sends; ``reply``/``close`` act as the front end."""

    def __init__(self, cell_id):
        self.cell_id, self.sent, self.closed = cell_id, [], False

    def on_msg(self, callback):
        self._on_msg = callback

    def on_close(self, callback):
        self._on_close = callback

    def send(self, data):
        self.sent.append(data)

    def close(self):
        self.closed = True

    def reply(self, **data):
        self._on_msg({"content": {"data": data}})

    def ack(self, ok=True, reason=""):
        self.reply(seq=self.sent[-1]["seq"], ok=ok, reason=reason)


SOURCE = 'x = ask("q", ITEMS, recorded=None)'


def linked_form(monkeypatch, qid="t10", literal=None):
    monkeypatch.setattr(widgets, "_open_comm", FakeComm)
    link = widgets.CellLink("cell-1", SOURCE)
    form = Form(qid, ITEMS, literal or {}, None, link)
    return form, link.comm


def test_with_the_extension_a_click_is_written_into_the_cell_and_marked_on_the_ack(monkeypatch):
    form, comm = linked_form(monkeypatch)
    assert comm.cell_id == "cell-1"
    comm.reply(ready=True)
    form.controls["a"].value = "y"
    (write,) = comm.sent
    assert write == {"seq": 1, "expected": SOURCE, "source": 'x = ask("q", ITEMS, recorded={\n    \'a\': \'y\',\n})'}
    assert "writing" in form.marks["a"].value and "NOT RECORDED" not in form.status.value + form.banner.value
    comm.ack()
    assert "✓ recorded in the notebook" in form.marks["a"].value and form.changed() == []
    assert form.answers == {"a": "y"} and "Recorded in this cell: 1 of 3 answered. Not answered yet: b, n." in form.status.value
    form.controls["n"].value = "2"  # the next write expects the source the first one made
    assert comm.sent[-1]["expected"] == write["source"] and "'n': 2" in comm.sent[-1]["source"]


def test_a_refused_write_shows_not_recorded_beside_the_item_at_the_top_and_below(monkeypatch):
    form, comm = linked_form(monkeypatch, "t11")
    comm.reply(ready=True)
    form.controls["a"].value = "y"
    comm.ack(ok=False, reason="the cell was edited since it ran")
    for place in (form.marks["a"], form.banner, form.status):
        assert "NOT RECORDED YET" in place.value
    assert "edited since it ran" in form.status.value and form.answers == {}
    form.controls["b"].value = "because"
    assert len(comm.sent) == 1, "no more writes once the front end refused one"


def test_without_the_extension_nothing_is_sent_and_every_change_is_flagged(monkeypatch):
    form, comm = linked_form(monkeypatch, "t12")
    form.controls["a"].value = "x"  # no answer yet (VS Code, Colab): not recorded
    assert "NOT RECORDED YET" in form.banner.value and "NOT RECORDED YET" in form.marks["a"].value
    comm._on_close({})  # JupyterLab without the extension closes the comm
    form.controls["b"].value = "why"
    assert comm.sent == [] and "2 change(s) (a, b)" in form.status.value
    assert "✓" not in form.marks["a"].value
    form.close()
    assert comm.closed


def test_a_rerun_after_acked_clicks_finds_them_in_the_cell(monkeypatch, capsys):
    monkeypatch.setattr(widgets, "_open_comm", FakeComm)
    monkeypatch.setattr(widgets.CellLink, "for_running_cell", classmethod(lambda cls: cls("cell-2", SOURCE)))
    answers = ask("t13", ITEMS)
    form = live_form("t13")
    form.link.comm.reply(ready=True)
    form.controls["a"].value = "y"
    form.link.comm.ack()
    assert answers == {"a": "y"}, "the variable ask() returned follows the cell"
    capsys.readouterr()
    assert ask("t13", ITEMS, recorded={"a": "y"}) == {"a": "y"}  # Restart or re-run: the source holds them
    out = capsys.readouterr().out
    assert "NOT written" not in out and "dropped" not in out and unrecorded("t13") == []


def test_a_write_the_page_never_confirms_turns_into_not_recorded_yet(monkeypatch):
    """After a page reload the old page's comm is gone: the write is never acked, and the form must not say
    '… writing' for ever (a student's clicks were silently lost that way)."""
    monkeypatch.setattr(widgets, "ACK_SECONDS", 0.05)
    form, comm = linked_form(monkeypatch, qid="t13")
    comm.reply(ready=True)
    form.controls["a"].value = "y"
    assert "writing" in form.marks["a"].value
    time.sleep(0.3)
    assert "NOT RECORDED YET" in form.marks["a"].value and "NOT RECORDED YET" in form.banner.value
    assert "reloaded" in form.status.value and not form.connected()
    comm.ack()  # only slow after all: the page answers late, so the form writes again and is recorded
    assert form.connected() and comm.sent[-1]["seq"] == 2 and "'a': 'y'" in comm.sent[-1]["source"]
    comm.ack()
    assert "✓ recorded in the notebook" in form.marks["a"].value and form.changed() == []
