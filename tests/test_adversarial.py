"""The adversarial corpus (tests/adversarial.py) graded in ONE nbgrader autograde run per assignment.

Every case gets its documented outcome, a refused file never stops the run, nothing the kernel ran
shows a key, and the instructor report's re-score (the grader's own function, on the submitted file)
agrees with every score and flags one changed in the gradebook. Exercise 1 runs every case; the
other released assignments run the cases that depend on their own items (the rest is the same
nbgrader machinery).
"""

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import adversarial as adv
import nbformat
import pytest
from harness import ROOT, make_course, nbgrader, submit

pytestmark = pytest.mark.slow

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "exercises").glob("*/*.ipynb") if p.stem == p.parent.name)
PER_ASSIGNMENT = [adv.right_pass, adv.blank_zero, adv.wrong_types_zero, adv.variants_pass, adv.near_misses_zero,
                  adv.misspelt_ids_partial, adv.form_cell_deleted_partial, adv.test_cell_deleted_manual,
                  adv.FAKED_CASES["hide_results"], adv.key_hook_zero]
ERROR = re.compile(r"There was an error processing assignment '([^']+)' for student '([^']+)'")


@dataclass
class Run:
    a: adv.Assignment
    course: Path
    cases: dict
    grades: dict  # {student: {grade_id: (auto_score, needs_manual_grade)}}
    refused: set
    seconds: float
    log: str


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def run(request, tmp_path_factory):
    a = adv.load(request.param)
    chosen = adv.CASES if request.param == "ex1" else PER_ASSIGNMENT
    cases = adv.build(a, chosen)
    course = make_course(tmp_path_factory.mktemp(f"adversarial-{a.name}"))
    for student, case in cases.items():
        path = submit(course, student, a.name, case.submission)
        if case.filename:
            path.rename(path.with_name(case.filename))
    nbgrader(course, "generate_assignment", a.name, "--force")
    start = time.monotonic()
    proc = nbgrader(course, "autograde", a.name, "--force", f"--Execute.timeout={adv.EXECUTE_TIMEOUT}", check=False)
    seconds = time.monotonic() - start
    log = proc.stdout + proc.stderr
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(course / "grading" / "gradebook.db")) as gb:
        grades = {sub.student.id: {g.name: (g.auto_score, g.needs_manual_grade) for nb in sub.notebooks
                                   for g in nb.grades} for sub in gb.assignment_submissions(a.name)}
    refused = {student for assignment, student in ERROR.findall(log) if assignment == a.name}
    print(f"\n{a.name}: {len(cases)} adversarial submissions autograded in {seconds:.0f} s")
    return Run(a, course, cases, grades, refused, seconds, log)


def test_every_submission_reaches_the_gradebook(run):
    assert set(run.grades) == set(run.cases)


def test_refused_files_are_logged_and_only_they_are(run):
    expected = {s for s, case in run.cases.items() if case.expect is None}
    assert run.refused == expected
    for student in expected:
        assert not (run.course / "grading" / "autograded" / student / run.a.name / f"{run.a.name}.ipynb").exists()
        assert all(score is None for score, _ in run.grades[student].values()), student


def test_every_graded_case_gets_its_documented_scores(run):
    wrong = {}
    for student, case in run.cases.items():
        if case.expect is None:
            continue
        got = {gid: score for gid, (score, _) in run.grades[student].items()}
        if got != case.expect:
            wrong[student] = {g: (case.expect.get(g), got.get(g)) for g in case.expect if case.expect[g] != got.get(g)}
    assert not wrong, f"(expected, nbgrader) per grade cell: {wrong}"


def test_only_cells_nbgrader_could_not_score_wait_for_manual_grading(run):
    for student, case in run.cases.items():
        if case.expect is not None:
            pending = {gid for gid, (_, manual) in run.grades[student].items() if manual}
            assert pending == {g for g, v in case.expect.items() if v is None}, student


def test_outcome_suffix_matches_the_scores(run):
    auto = {t.grade_id for t in run.a.tests}
    full = sum(t.points for t in run.a.tests)
    for student, case in run.cases.items():
        outcome = student.rsplit("-", 1)[1]
        total = None if case.expect is None else sum(case.expect[g] or 0 for g in auto)
        assert {"pass": total == full, "zero": total == 0, "partial": total is not None and 0 < total < full,
                "manual": case.expect is not None and None in case.expect.values(),
                "error": case.expect is None}[outcome], student


def test_the_report_re_scores_every_item_alike_and_flags_a_score_changed_in_the_gradebook(run):
    """The report re-scores each item from the submitted file with the grader's own function: it agrees
    with every score autograde gave, and flags exactly one that something changed afterwards."""
    from nbgrader.api import Gradebook

    from newslit.classroom import Course
    from newslit.report import responses

    auto = {t.grade_id for t in run.a.tests}
    rows = responses(Course(run.course), run.a.name)
    rows = rows[rows["grade_id"].isin(auto) & rows["score"].notna()]
    assert len(rows) > 0 and rows["agrees"].all()
    for row in rows.itertuples():
        assert row.score == run.cases[row.student_id].earned[row.grade_id], (row.student_id, row.grade_id)
    gid = run.a.tests[-1].grade_id  # a code answer in exercise 2
    with Gradebook("sqlite:///" + str(run.course / "grading" / "gradebook.db")) as gb:
        gb.find_grade(gid, run.a.name, run.a.name, "blank-zero").auto_score = 1.0
        gb.db.commit()
    rows = responses(Course(run.course), run.a.name)
    assert [tuple(r) for r in rows.loc[rows["agrees"] == False, ["student_id", "grade_id"]].to_numpy()] == [  # noqa: E712
        ("blank-zero", gid)]
    with Gradebook("sqlite:///" + str(run.course / "grading" / "gradebook.db")) as gb:
        gb.find_grade(gid, run.a.name, run.a.name, "blank-zero").auto_score = 0.0
        gb.db.commit()


def test_nothing_the_kernel_ran_shows_a_key_and_test_cells_show_only_the_verdict(run):
    """Only ScoreItems' verdict (in each item's own cell) carries an explanation; no other output of any
    graded notebook holds a key literal or an explanation: not the printed input history, not a hook's."""
    every = [x for t in run.a.tests for x in (t.key["why"], json.dumps(t.key, ensure_ascii=False))]
    items = {t.grade_id for t in run.a.tests}
    for student in run.cases:
        path = run.course / "grading" / "autograded" / student / run.a.name / f"{run.a.name}.ipynb"
        if not path.exists():
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in items:  # the student's own verdict, and nothing else
                assert len(cell.outputs) == 1 and cell.outputs[0].output_type == "execute_result", (student, gid)
                continue
            printed = json.dumps(cell.get("outputs", []), ensure_ascii=False)
            assert not [x for x in every if json.dumps(x, ensure_ascii=False)[1:-1] in printed], (student, gid)


def test_huge_output_is_cut_to_1000_lines_in_the_graded_notebook(run):
    if "huge_output-pass" not in run.cases:
        pytest.skip("exercise 1 only")
    path = run.course / "grading" / "autograded" / "huge_output-pass" / run.a.name / f"{run.a.name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    texts = ["".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    printed = next(t for t in texts if t.startswith("xxx"))
    assert printed.endswith("... Output truncated ...") and printed.count("\n") <= 1000
