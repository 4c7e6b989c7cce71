"""The recording form without a browser: values, unrecorded changes, and rewriting the cell literal."""

from newslit.claims import label_feedback, label_items
from newslit.widgets import CHOOSE, Form, Item, ask, format_literal, replace_recorded, unrecorded


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
