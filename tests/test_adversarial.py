"""The adversarial corpus (tests/adversarial.py) graded in ONE nbgrader autograde run per assignment.

Every case gets its documented outcome, a refused file never stops the run, nothing the kernel ran
shows a key, and the instructor report's re-score (the grader's own function, on the submitted file)
agrees with every score and flags one changed in the gradebook. Exercise 1 runs every case; the
other released assignments run the cases that depend on their own items (the rest is the same
nbgrader machinery).
"""

import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import adversarial as adv
import nbformat
import pytest
from harness import ROOT, make_course, nbgrader, need_sandbox, submit

import newslit.grading
from newslit import sandbox

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
def run(request, tmp_path_factory, listener):
    a = adv.load(request.param)
    chosen = adv.CASES if request.param == "ex1" else PER_ASSIGNMENT
    if request.param == "ex1" and not sandbox.unavailable():  # attacks on the machine: only where they fail
        chosen = [*chosen, *adv.os_cases(listener.port)]
    cases = adv.build(a, chosen)
    course = make_course(tmp_path_factory.mktemp(f"adversarial-{a.name}"))
    for student, case in cases.items():
        path = submit(course, student, a.name, case.submission)
        if case.filename:
            path.rename(path.with_name(case.filename))
        for name, text in case.files.items():
            (path.parent / name).write_text(text, encoding="utf-8")
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


# ---- Attacks on the grading machine (adversarial.os_cases) ----------------------------------------
# Graded in the same ex1 run, beside the honest students (whose exact scores the tests above check).
# The sandbox (newslit/sandbox.py) must leave no trace of them on the machine that graded.

OS_STUDENTS = {adv.student(c) for c in adv.os_cases(0)}
PACKAGE = Path(newslit.grading.__file__)
PACKAGE_BEFORE = PACKAGE.read_bytes()


class Listener:
    """A server on 127.0.0.1 for the network case; ``accepted`` counts who reached it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port, self.accepted, self.stop = self.server.getsockname()[1], [], threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                self.accepted.append(self.server.accept()[1])
            except OSError:
                pass


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.stop.set()
    server.server.close()


@pytest.fixture
def os_run(run):
    if run.a.name != "ex1":
        pytest.skip("attacks on the machine run in exercise 1's run")
    need_sandbox()
    return run


def test_attacks_on_the_machine_earn_nothing_and_honest_students_are_graded_exactly(os_run):
    for student in OS_STUDENTS:
        got = {gid: score for gid, (score, _) in os_run.grades[student].items()}
        assert got == os_run.cases[student].expect, student
    assert "NOT sandboxed" not in os_run.log


def test_no_connection_reached_the_server_on_localhost(os_run, listener):
    assert listener.accepted == []


def test_package_and_course_are_unchanged(os_run):
    assert PACKAGE.read_bytes() == PACKAGE_BEFORE
    written = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8") + f"\nc.ScoreItems.key_root = {str(ROOT)!r}\n"
    assert (os_run.course / "nbgrader_config.py").read_text(encoding="utf-8") == written  # as harness.course wrote it


def test_gradebook_and_autograded_notebooks_are_nbgraders_own(os_run):
    time.sleep(1)  # a surviving background process would rewrite them now
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(os_run.course / "grading" / "gradebook.db")) as gb:
        extra = [g.extra_credit for sub in gb.assignment_submissions("ex1") for nb in sub.notebooks for g in nb.grades
                 if g.extra_credit]
    assert extra == []
    for path in (os_run.course / "grading" / "autograded").glob("*/ex1/*"):
        assert "REWRITTEN" not in path.read_text(encoding="utf-8", errors="replace"), path
    planted = [p for p in (os_run.course / "grading").rglob("*") if p.name in ("notes.html", "key.txt")
               and "planted file" in p.read_text(encoding="utf-8")]
    assert planted == []  # only the submitted copies ("submitted file") exist


def test_no_process_outlives_grading(os_run):
    """No process with the attack's mark, and none running as the uid of a kernel whose grader has exited."""
    left = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            uid = int((proc / "status").read_text().split("\nUid:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue
        owner = uid - sandbox.SandboxedKernelManager.uid_base.default_value
        if adv.OS_MARK.encode() in cmdline or (0 < owner and not Path(f"/proc/{owner}").exists()):
            left.append((proc.name, uid, cmdline[:80]))
    assert left == []


def test_feedback_releases_only_nbgraders_html_and_no_key(os_run):
    from newslit import classroom

    course = classroom.Course(os_run.course)
    students = sorted(OS_STUDENTS | {"right-pass", "blank-zero"})
    done = classroom.run_step(course, "generate_feedback", "ex1", students, workers=1, force=True, quiet=True)
    assert done.failed == []
    copied = {p.name for p in classroom.feedback_files(course, "ex1") if p.name != "ex1.html"}
    assert copied == {"notes.html", "key.txt"}  # nbgrader copied the submitted files ...
    classroom.withhold_extra_files(course, "ex1")  # ... newslit removes them
    files = classroom.feedback_files(course, "ex1")
    assert sorted(p.parent.parent.name for p in files) == students and {p.name for p in files} == {"ex1.html"}
    assert classroom.feedback_leaks(course, "ex1") == {}
