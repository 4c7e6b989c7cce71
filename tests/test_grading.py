"""Scoring from the notebook file: form literals parsed (never run), code answers handed in, never raises."""

import html

import nbformat

from newslit import grading

KEY = {"kind": "label", "label": "hedged", "alternates": ["attributed"], "why": "Could marks a possibility."}


def _nb(*sources, kinds=None):
    nb = nbformat.v4.new_notebook()
    for i, source in enumerate(sources):
        kind = (kinds or {}).get(i, "code")
        nb.cells.append({"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
                         "raw": nbformat.v4.new_raw_cell}[kind](source))
    return nb


def test_score_gives_points_status_and_the_answer_given():
    right = grading.score({"c1": "hedged"}, "c1", KEY, 2)
    wrong = grading.score({"c1": "opinion"}, "c1", KEY, 2)
    assert (right.earned, right.status, right.answer) == (2, "correct", "'hedged'")
    assert (wrong.earned, wrong.status) == (0, "wrong")


class Hostile:
    def __eq__(self, other):
        raise RuntimeError("boom")

    def __hash__(self):
        raise RuntimeError("boom")


def test_hostile_or_broken_answers_score_zero_without_raising(capsys):
    for answers in (None, [], "hedged", {"c1": Hostile()}, {"c1": ["hedged"]}, grading.Unreadable("x")):
        assert grading.score(answers, "c1", KEY).earned == 0
    assert grading.score({"c1": "hedged"}, "c1", {"kind": "nonsense"}).status == "invalid"
    assert capsys.readouterr() == ("", "")


def test_every_key_kind_is_checked():
    assert grading.check({"n": "480"}, "n", {"kind": "number", "value": 480, "tolerance": 5}).status == "correct"
    assert grading.check({"q": "x"}, "q", {"kind": "choice", "accept": ["x"], "options": ["x", "y"]}).status == "correct"
    assert grading.check({"q": ["x"]}, "q", {"kind": "choices", "accept": ["x"]}).status == "correct"
    assert grading.check({"q": "Could"}, "q", {"kind": "cue", "accept": ["could"]}).status == "correct"


def test_the_recorded_literal_is_parsed_never_run_and_the_last_form_cell_wins(tmp_path):
    marker = tmp_path / "ran"
    nb = _nb("labels = ask('q', ITEMS, recorded={'c1': 'opinion'})",
             f"cues = ask('q2', ITEMS, recorded={{'c1': open({str(marker)!r}, 'w')}})",
             "labels = ask('q', ITEMS, recorded={'c1': 'hedged'})")
    found = {var: value for var, (_, value) in grading.forms(nb).items()}
    assert found["labels"] == {"c1": "hedged"} and isinstance(found["cues"], grading.Unreadable)
    assert not marker.exists()
    assert grading.score(found["cues"], "c1", KEY).status == "unreadable"


def test_a_form_cell_turned_markdown_or_raw_still_holds_its_answers():
    for kind in ("markdown", "raw"):
        nb = _nb("labels = ask('q', ITEMS, recorded={'c1': 'hedged'})", kinds={0: kind})
        assert grading.answers_of(nb, {"answers": "labels", "item": "c1"}) == {"c1": "hedged"}


def test_a_code_answer_is_read_from_its_own_cells_outputs_only():
    spec = {"name": "meet", "item": "e10"}
    cell = nbformat.v4.new_code_cell("hand_in(...)")
    other = nbformat.v4.new_code_cell("x")
    bundle = {grading.ANSWER_MIME: {"item": "e10", "answers": {"e10": "[1 to 2]"}}, "text/plain": "handed in"}
    other.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    nb = _nb()
    nb.cells = [other, cell]
    assert grading.answers_of(nb, spec, cell) is None
    cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    assert grading.answers_of(nb, spec, cell) == {"e10": "[1 to 2]"}


def test_the_verdict_names_the_item_and_says_it_in_words():
    page = grading.verdict_html(grading.score({"c1": "opinion"}, "c1", KEY), KEY, "the text <b>", "labels")
    assert "the text &lt;b&gt;" in page
    page = html.unescape(page)
    assert "labels (c1)" in page and "✘ wrong" in page and "'opinion'" in page
    assert "Why:</b> Could marks a possibility." in page and "<pre" not in page


def test_hand_in_displays_the_students_value_as_plain_data_the_grader_reads(monkeypatch):
    import numpy as np

    from newslit import estimates

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    estimates.hand_in({"tonnes_per_container": np.float64(21.6)}, "tonnes_per_container", "e04", "number")
    estimates.hand_in({}, "ratio", "n08", "element")
    cells = [nbformat.v4.new_code_cell("hand_in(...)") for _ in shown]
    for cell, bundle in zip(cells, shown, strict=True):
        cell.outputs = [nbformat.v4.new_output("display_data", data=bundle)]
    assert grading.handed_in(cells[0], "e04") == {"e04": 21.6} and grading.handed_in(cells[1], "n08") == {}
    assert grading.score(grading.handed_in(cells[1], "n08"), "n08", {"kind": "number", "value": 1,
                                                                      "tolerance": 0}).status == "missing"
