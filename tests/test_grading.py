"""Hidden-test scoring: partial credit, feedback on stdout only, nothing a student replaced is trusted."""

import subprocess
import sys

from newslit import grading

KEY = {"kind": "label", "label": "hedged", "alternates": ["attributed"], "why": "Could marks a possibility."}


def test_grade_returns_points_and_prints_verdict_with_why(capsys):
    assert grading.grade({"c1": "hedged"}, "c1", KEY, 2) == 2
    assert grading.grade({"c1": "opinion"}, "c1", KEY, 2) == 0
    out, err = capsys.readouterr()
    assert "c1: ✔ correct (2/2)" in out and "c1: ✘ wrong (0/2)" in out
    assert out.count("Why: Could marks a possibility.") == 2 and err == ""


class Hostile:
    def __eq__(self, other):
        raise RuntimeError("boom")

    def __hash__(self):
        raise RuntimeError("boom")


def test_hostile_answers_score_zero_without_stderr(capsys):
    for answers in (None, [], "hedged", {"c1": Hostile()}, {"c1": ["hedged"]}):
        assert grading.grade(answers, "c1", KEY) == 0
    out, err = capsys.readouterr()
    assert err == "" and "c1:" in out


def test_grade_from_a_fresh_import_ignores_a_monkeypatched_module():
    code = (
        "import newslit.grading as g, newslit.answers as a\n"
        "g.grade = lambda *x, **k: 1.0\n"
        "a.check_label = lambda *x, **k: None\n"
        "import sys\n"
        "for m in [m for m in sys.modules if m.split('.')[0] == 'newslit']: del sys.modules[m]\n"
        "from newslit.grading import grade\n"
        "print(grade({'c1': 'opinion'}, 'c1', {'kind': 'label', 'label': 'hedged'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0.0" and out.stderr == ""


def test_every_key_kind_is_checked():
    assert grading.check({"n": "480"}, "n", {"kind": "number", "value": 480, "tolerance": 5}).status == "correct"
    assert grading.check({"q": "x"}, "q", {"kind": "choice", "accept": ["x"], "options": ["x", "y"]}).status == "correct"
    assert grading.check({"q": ["x"]}, "q", {"kind": "choices", "accept": ["x"]}).status == "correct"
    assert grading.check({"q": "Could"}, "q", {"kind": "cue", "accept": ["could"]}).status == "correct"


def test_a_code_answer_is_named_by_the_students_variable_in_feedback(capsys):
    key = {"kind": "number", "value": 21.6, "tolerance": 0.1, "unit": "t", "name": "tonnes_per_container"}
    assert grading.grade({"e04": 21.65}, "e04", key) == 1.0
    assert capsys.readouterr().out.startswith("tonnes_per_container (e04): ✔ correct (1/1).")
