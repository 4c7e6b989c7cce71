"""Exercise 3 (lateral reading): the release leaks no key, and nbgrader scores fixture submissions exactly."""

from __future__ import annotations

import ast
import html
import json
import re

import nbformat
import pytest
from harness import ROOT, autograde, make_course, nbgrader, record, released, scores, submit, total

from newslit import data, sources

VERDICT_IDS = ["c06", "c11", "c13", "c15", "c19", "c20", "c26", "c29"]
SLIP_IDS = ["slip04", "slip05", "slip07", "slip08", "slip09", "slip10", "slip12", "slip14"]  # slip11: discussed only
FORMS = {"verdicts": ("verdict", VERDICT_IDS), "evidence": ("evidence", VERDICT_IDS),
         "slip_kinds": ("slip_kind", SLIP_IDS), "slip_effects": ("slip_effect", SLIP_IDS)}


def keyed():
    ver = data.load("verdicts", root=ROOT, with_key=True)
    slp = data.load("slips", root=ROOT, with_key=True)
    return ver, slp


def perfect_answers():
    ver, slp = keyed()
    return {"verdicts": {c: ver.loc[c, "verdict"] for c in VERDICT_IDS},
            "evidence": {c: sources.split_ids(ver.loc[c, "deciding"])[0] for c in VERDICT_IDS},
            "slip_kinds": {s: slp.loc[s, "kind"] for s in SLIP_IDS},
            "slip_effects": {s: slp.loc[s, "effect"] for s in SLIP_IDS}}


def alternate_answers():
    """Every answer right by another accepted route: other verdicts/kinds/rows, odd case and spacing."""
    ver, slp = keyed()
    answers = perfect_answers()
    answers["verdicts"] = {c: f"  {v.upper()} " for c, v in answers["verdicts"].items()} | {"c19": "unverified"}
    answers["evidence"] = {c: sources.split_ids(ver.loc[c, "deciding"])[-1] for c in VERDICT_IDS}
    answers["slip_kinds"] |= {s: sources.split_ids(slp.loc[s, "alternates"])[0] for s in SLIP_IDS
                              if slp.loc[s, "alternates"]}
    answers["slip_effects"] = {s: v.title() for s, v in answers["slip_effects"].items()}
    return answers


# Answers the issue-17 audit found defensible by the printed rules and the key now accepts; the rest perfect.
NEWLY_ACCEPTED = {"evidence": {"c15": "src17"}}


def newly_accepted_answers():
    answers = perfect_answers()
    for var, given in NEWLY_ACCEPTED.items():
        answers[var] |= given
    return answers


PARTIAL_CHANGES = {  # item -> (answer, points earned); everything else as in perfect_answers()
    "verdicts": {"c15": ("contradicted", 0), "c19": ("unverified", 1)},
    "evidence": {"c06": ("src25", 0), "c20": ("src21", 0), "c15": ("src18", 0)},
    "slip_kinds": {"slip07": ("reversed bound", 1), "slip14": ("wrong word", 1), "slip04": ("typo", 0),
                   "slip09": (None, 0)},
    "slip_effects": {"slip12": ("does not change the claim", 0), "slip10": ("does not change the claim", 0)},
}


def partial_answers():
    answers = perfect_answers()
    for var, changes in PARTIAL_CHANGES.items():
        for item, (value, _) in changes.items():
            if value is None:
                answers[var].pop(item)
            else:
                answers[var][item] = value
    return answers


def expected(per_item_default: float, changes=None) -> dict[str, float]:
    out = {}
    for var, (prefix, items) in FORMS.items():
        for item in items:
            out[f"{prefix}_{item}"] = (changes or {}).get(var, {}).get(item, (None, per_item_default))[1]
    return out


def filled(answers):
    nb = released("ex3")
    for var, given in answers.items():
        record(nb, var, given)
    written = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_first")
    written.source = "I would check the 'at least 3 million' figure first, in the US statements and Seoul's briefings."
    return nb


# --- the release (fast) ---------------------------------------------------------------------------

def test_release_has_no_outputs_no_hidden_tests_and_no_key():
    nb = released("ex3")
    text = "\n".join(c.source for c in nb.cells)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "HIDDEN" not in text and "_grade(" not in text
    ver, slp = keyed()
    secrets = [*ver.loc[VERDICT_IDS, "explanation"], *ver.loc[VERDICT_IDS, "evidence_why"],
               *slp.loc[SLIP_IDS, "problem"], *slp.loc[SLIP_IDS, "effect_why"]]
    assert not [s for s in secrets if s[:40] in text]
    ex1_key = data.load("claims", root=ROOT, with_key=True)
    ex1_assessed = ex1_key[ex1_key["role"] == "assessed"]
    assert not [e for e in ex1_assessed["explanation"] if e[:40] in text]


def test_release_matches_the_solution_cell_for_cell():
    sol = nbformat.read(ROOT / "solutions" / "ex3" / "ex3.ipynb", as_version=4)
    rel = released("ex3")
    grade_ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in sol.cells]
    assert grade_ids == [c.metadata.get("nbgrader", {}).get("grade_id") for c in rel.cells]
    graded = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in sol.cells
              if c.metadata.get("nbgrader", {}).get("grade")}
    assert sum(graded.values()) == 36 and graded["check_first"] == 4
    assert set(graded) - {"check_first"} == set(expected(1))
    for cell in rel.cells:
        if cell.source.startswith(tuple(f"{v} = ask(" for v in (*FORMS, "framing", "practice", "slip_practice"))):
            assert "recorded=None" in cell.source


def test_newly_accepted_answers_are_in_the_key_and_not_the_best():
    ver, _ = keyed()
    assert "src17" in sources.split_ids(ver.loc["c15", "deciding"])[1:]


def test_slip11_is_discussed_not_graded():
    """Two readings of slip11 are defensible, so it is not assessed (issue 17 re-audit): no grade cell, no key row,
    no form item, and an ungraded cell that gives both readings."""
    sol = nbformat.read(ROOT / "solutions" / "ex3" / "ex3.ipynb", as_version=4)
    grade_ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in sol.cells}
    assert not {g for g in grade_ids if g and g.endswith("slip11")}
    code = "\n".join(c.source for c in sol.cells if c.cell_type == "code")
    assert ast.literal_eval(re.search(r"^SLIPS = (\[.*\])$", code, re.M).group(1)) == SLIP_IDS
    public = data.load("slips", root=ROOT).loc["slip11"]
    assert public["role"] == "worked" and public["alternates"] == "no slip"
    assert "slip11" not in (ROOT / "data" / "key" / "slips.csv").read_text(encoding="utf-8")
    note = next(c for c in released("ex3").cells if c.metadata.get("nbgrader", {}).get("grade_id") == "slip11_discussed")
    assert "Discussed, not graded" in note.source and "No slip" in note.source and "unit slip" in note.source


def test_practice_c08_accepts_unverified_and_says_how_the_two_responses_differ():
    check, why = sources.verdict_feedback("c08", "unverified")
    assert check.status == "correct" and "neither admitted nor rejected" in why
    assert sources.verdict_feedback("c08", "contradicted")[0].status == "wrong"


def test_the_mission_table_never_calls_a_verdict_a_fact():
    assert not [g for g in sources.GROUPS if "fact" in g]
    table = sources.mission_table()
    assert not table["in the table as"].str.contains("fact").any()


def test_fixture_answers_are_valid_options():
    for answers in (perfect_answers(), alternate_answers(), partial_answers(), newly_accepted_answers()):
        json.dumps(answers)
        assert set(answers) == set(FORMS)


# --- nbgrader round trip (slow) ---------------------------------------------------------------

def manual_pending(course) -> dict[str, bool]:
    """{student: whether the written answer still needs the instructor's grade}."""
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(course / "grading" / "gradebook.db")) as gb:
        return {sub.student.id: next(g.needs_manual_grade for nb in sub.notebooks for g in nb.grades
                                     if g.name == "check_first") for sub in gb.assignment_submissions("ex3")}


@pytest.mark.slow
def test_round_trip_scores_fixture_submissions_exactly(tmp_path):
    course = make_course(tmp_path)
    submit(course, "perfect", "ex3", filled(perfect_answers()))
    submit(course, "alternates", "ex3", filled(alternate_answers()))
    submit(course, "partial", "ex3", filled(partial_answers()))
    submit(course, "newly", "ex3", filled(newly_accepted_answers()))
    submit(course, "blank", "ex3", released("ex3"))
    autograde(course, "ex3")
    got = scores(course, "ex3")

    auto = {k: v for k, v in got["perfect"].items() if k != "check_first"}
    assert auto == expected(1) and total(auto) == 32
    assert {k: v for k, v in got["alternates"].items() if k != "check_first"} == expected(1)
    partial = {k: v for k, v in got["partial"].items() if k != "check_first"}
    assert partial == expected(1, PARTIAL_CHANGES) and total(partial) == 24
    assert total(got["blank"]) == 0 and set(got["blank"]) == set(got["perfect"])
    newly = {k: v for k, v in got["newly"].items() if k != "check_first"}
    assert newly == expected(1) and "evidence_c15" in newly
    # the written answer waits for the instructor; left untouched, nbgrader scores it 0 without asking
    assert manual_pending(course) == {"perfect": True, "alternates": True, "partial": True, "newly": True,
                                      "blank": False}

    for student in got:  # every cell ran, the mission table included
        nb = nbformat.read(course / "grading" / "autograded" / student / "ex3" / "ex3.ipynb", as_version=4)
        assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"], student
        table = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "mission_table")
        assert "text/html" in table.outputs[0]["data"]

    nbgrader(course, "generate_feedback", "ex3", "--force")
    page = (course / "grading" / "feedback" / "partial" / "ex3" / "ex3.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    assert "Why: No US report giving" in text and "✘ wrong · 0 of 1 point" in text
    assert "HIDDEN TESTS" not in page and '"accept": [' not in page
    # feedback that reads well: items named in the summary, no prompts, a written answer "not graded yet"
    page = (course / "grading" / "feedback" / "perfect" / "ex3" / "ex3.html").read_text(encoding="utf-8")
    assert '<a href="#verdict_c06">verdict_c06</a>' in page and "Test cell" not in page
    assert "Out[" not in page and "In&nbsp;[" not in page
    assert "check_first</a> (written answer): not graded yet (out of 4.0)" in page


def test_every_report_an_assessed_slip_rests_on_is_shown_in_the_notebook():
    """A student can only be graded on evidence the notebook shows: the verdict tables or the extra reports."""
    nb = nbformat.read(ROOT / "exercises" / "ex3" / "ex3.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    table_claims = ast.literal_eval(re.search(r"^TABLE_CLAIMS = (\[.*\])$", code, re.M).group(1))
    extra = ast.literal_eval(re.search(r"more_reports\((\[.*?\])\)", code).group(1))
    shown = {s for c in table_claims for s in sources.shown(c)}
    shown |= set(re.findall(r"<b>(src\d+)</b>", sources.more_reports(extra)))
    slips = data.load("slips", with_key=True)
    needed = {s for ev in slips[slips["role"] == "assessed"]["evidence"] for s in sources.split_ids(ev)}
    assert needed and needed - shown == set()
