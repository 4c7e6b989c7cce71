"""A term for the instructor: roster, LMS zips and the exchange, late work, resubmission, regrading, LMS files."""

from __future__ import annotations

import csv
import getpass
import html
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from harness import make_course, nbgrader, record, released

from newslit import cli, lms, regrade
from newslit.classroom import Course

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["First name", "Last name", "ID number", "Email address"]


def canvas_export(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A Canvas gradebook export: identifier columns, the assignment column, the Points Possible row."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow([*CANVAS_HEADER, "ex1 (5551)", "Current Points", "Final Score"])
        out.writerow(["    Points Possible", "", "", "", "", "29", "(read only)", "(read only)"])
        for name, uid, sis, login in rows:
            out.writerow([name, uid, sis, login, "Section A", "", "", ""])
    return path


def written(nb, text: str):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "trace_first":
            cell.source = text
    return nb


def notebook(labels: dict, text: str) -> str:
    return nbformat.writes(written(record(released("ex1"), "labels", labels), text))


def test_canvas_and_moodle_rosters_are_read(tmp_path):
    path = canvas_export(tmp_path / "canvas.csv", [("Smith, Amy", "101", "S1", "amy"), ("Jones, Bob", "102", "S2", "")])
    kind, people, columns, column = lms.read_roster(path)
    assert kind == "canvas" and columns == ["ex1 (5551)", "Current Points", "Final Score"] and column == "ID"
    assert [(p.id, p.first_name, p.last_name, p.lms_user_id) for p in people] == [("101", "Amy", "Smith", "101"),
                                                                                 ("102", "Bob", "Jones", "102")]
    assert [p.id for p in lms.read_roster(path, "SIS User ID")[1]] == ["S1", "S2"]
    moodle = tmp_path / "moodle.csv"
    moodle.write_text("First name,Last name,ID number,Institution,Department,Email address\n"
                      "Amy,Smith,S1,,,amy@uni.example\nBob,Jones,,,,bob@uni.example\n", encoding="utf-8")
    kind, people, _, column = lms.read_roster(moodle)
    assert (kind, column) == ("moodle", "Email address")
    assert [p.id for p in people] == ["amy@uni.example", "bob@uni.example"]
    assert people[0].email == "amy@uni.example"


def test_lms_file_names_are_parsed():
    m = lms.CANVAS_FILE.match("bobjones_LATE_102_9003_ex1-1.ipynb")
    assert (m["prefix"], m["late"], m["user"], m["file"]) == ("bobjones_LATE_102_9003_", "LATE", "102", "ex1-1.ipynb")
    m = lms.MOODLE_FILE.match("Amy Smith_123456_assignsubmission_file_ex1.ipynb")
    assert (m["name"], m["user"], m["file"]) == ("Amy Smith", "123456", "ex1.ipynb")
    m = lms.MOODLE_FILE.match("Amy Smith_123456_assignsubmission_file/ex1.ipynb")
    assert (m["name"], m["file"]) == ("Amy Smith", "ex1.ipynb")


def test_course_option_after_the_subcommand(tmp_path, capsys):
    assert cli.main(["grade", "--course", str(tmp_path)]) == 2
    assert "nbgrader_config.py" in capsys.readouterr().err


def test_bundle_outside_the_repository_root_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["bundle", "--course", str(tmp_path)]) == 2
    assert "not the course repository's root" in capsys.readouterr().err


def _feedback_scores(path: Path) -> dict[str, float]:
    text = path.read_text(encoding="utf-8")
    # the course's feedback template lists each item as: <a href="#id">id</a>[ (written answer)]: score / points
    return {g: float(s) for g, s in re.findall(r'href="#([A-Za-z0-9_]+)">[^<]*</a>(?: \(written answer\))?: ([\d.]+) / '
                                               r'[\d.]+', text)}


def _first_table(text: str) -> pd.DataFrame:
    """The first HTML table in ``text`` (header row, then cells), read with the standard library."""
    table = text[text.index("<table"):text.index("</table>")]
    rows = [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)]
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.mark.slow
def test_a_term(tmp_path, capsys):
    """roster → release → submissions (exchange and Canvas zip, one late) → grade → manual scores →
    resubmissions (a changed written answer; a changed form with the same written answer) → regrade →
    every export, the report and each feedback file agree; the LMS files have the import columns."""
    root = make_course(tmp_path)
    exchange, home = tmp_path / "exchange", tmp_path / "home"
    exchange.mkdir()
    home.mkdir()
    me = getpass.getuser()  # the exchange names submissions by login
    due = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S UTC")
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write(f"\nc.Exchange.root = {str(exchange)!r}\nc.NewslitTerm.due_dates = {{'ex1': {due!r}}}\n"
                 "c.PerDayPenalty.percent_per_day = 10\n")
    course = Course(root)
    run = ["--course", str(root)]

    # roster: four students, one of whom never submits
    roster = canvas_export(tmp_path / "roster.csv", [("Smith, Amy", "101", "S1", "amy"), ("Jones, Bob", "102", "S2", "bob"),
                                                     ("Exchange, Eve", "103", "S3", me), ("Doe, Dan", "104", "S4", "dan")])
    assert cli.main(["roster", "import", str(roster), *run]) == 0

    # release on the exchange; the student fetches, answers and submits after the due date (late)
    nbgrader(root, "release_assignment", "ex1")
    student = ["--course", "newslit", f"--Exchange.root={exchange}"]
    nbgrader(home, "fetch_assignment", "ex1", *student)
    (home / "ex1" / "ex1.ipynb").write_text(notebook({"c02": "opinion"}, "Eve's written answer"), encoding="utf-8")
    nbgrader(home, "submit", "ex1", *student)
    assert cli.main(["collect", "ex1", *run]) == 0

    # Canvas: amy on time, bob late
    def canvas_zip(files: dict[str, str]) -> Path:
        path = tmp_path / f"submissions-{len(files)}.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for name, text in files.items():
                zf.writestr(name, text)
        return path

    amy = notebook({"c02": "opinion", "c06": "attributed"}, "Amy's written answer")
    bob1 = notebook({}, "Bob's first answer")
    assert cli.main(["collect", "ex1", "--zip", str(canvas_zip({"smithamy_101_9001_ex1.ipynb": amy,
                                                                "jonesbob_LATE_102_9002_ex1.ipynb": bob1})), *run]) == 0
    assert course.submitted("ex1") == sorted(["amy", "bob", me])
    capsys.readouterr()

    assert cli.main(["grade", "ex1", "--quiet", *run]) == 0
    assert "3 need manual grading" in capsys.readouterr().out

    # manual grading, as formgrader records it
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        for sid, score in (("amy", 3), ("bob", 2), (me, 4)):
            g = gb.find_grade("trace_first", "ex1", "ex1", sid)
            g.manual_score, g.needs_manual_grade = score, False
        gb.db.commit()
    assert cli.main(["export", *run]) == 0  # records which answer each manual score was given to

    # resubmissions: bob through Canvas (renamed ex1-1, beside the original) with a new written answer;
    # eve on the exchange with a changed form but the same written answer
    bob2 = notebook({"c02": "opinion"}, "Bob's rewritten answer")
    got = lms.collect_zip(course, "ex1", canvas_zip({"jonesbob_LATE_102_9002_ex1.ipynb": bob1,
                                                     "jonesbob_LATE_102_9003_ex1-1.ipynb": bob2,
                                                     "smithamy_101_9001_ex1.ipynb": amy}))
    assert (got.replaced, got.unchanged) == (["bob"], ["amy"])
    assert any("newest (-1) wins" in m for m in got.messages)
    (home / "ex1" / "ex1.ipynb").write_text(notebook({"c02": "opinion", "c06": "hedged"}, "Eve's written answer"),
                                            encoding="utf-8")
    nbgrader(home, "submit", "ex1", *student)
    assert cli.main(["collect", "ex1", *run]) == 0
    capsys.readouterr()

    assert cli.main(["grade", "ex1", "--quiet", *run]) == 0
    out = capsys.readouterr().out
    assert re.search(r"regraded .*: bob, " + re.escape(me), out)
    assert f"manual scores kept, answer unchanged: {me} trace_first" in out
    assert "NEEDS A HUMAN" in out and "bob trace_first (was 2)" in out
    assert regrade.load(course)["cleared"][-1]["student"] == "bob"

    # every export, the report and each feedback file agree
    exports = root / "grading" / "exports"
    totals = pd.read_csv(exports / "grades.csv").set_index("student_id")
    items = pd.read_csv(exports / "ex1-items.csv").set_index("student_id")
    cells = [c.grade_id for c in course.grade_cells("ex1")]
    status = {"amy": "graded", "bob": "needs manual grading", me: "graded", "dan": "missing"}
    for sid, want in status.items():
        assert totals.loc[sid, "status"] == items.loc[sid, "status"] == want, sid
    assert items.loc["amy", "trace_first"] == 3 and items.loc[me, "trace_first"] == 4
    assert pd.isna(items.loc["bob", "trace_first"]) and items.loc["bob", "manual_pending"]
    assert items.loc["dan", cells].isna().all()
    for sid in ("amy", "bob", me):
        assert totals.loc[sid, "raw_score"] == pytest.approx(items.loc[sid, cells].fillna(0).sum()), sid
    assert totals.loc[me, "late_submission_penalty"] == pytest.approx(0.1 * totals.loc[me, "raw_score"])
    assert totals.loc["amy", "late_submission_penalty"] == 0
    for sid in ("amy", me):
        scores = _feedback_scores(course.folder("feedback", "ex1", sid) / "ex1.html")
        assert scores == {c: items.loc[sid, c] for c in cells}, sid
    assert not course.folder("feedback", "ex1", "bob").exists()  # waits for the human
    page = (exports / "ex1-report.html").read_text(encoding="utf-8")
    assert "<h2>Students</h2>" in page and "answer key" in page
    people = _first_table(page[page.index("<h2>Students</h2>"):]).set_index("student")
    assert people.loc["dan", "status"] == "missing" and people.loc["bob", "status"] == "needs manual grading"
    assert people.loc["amy", "score"] == f"{items.loc['amy', 'total']:g}"
    assert people.loc[me, "late penalty"].startswith("late")

    # LMS files: Canvas's and Moodle's import columns; blank, never 0, unless graded
    canvas = pd.read_csv(exports / "canvas-grades.csv", dtype=str, keep_default_na=False)
    assert list(canvas.columns) == [*CANVAS_HEADER, "ex1 (5551)"]
    assert canvas.iloc[0]["Student"].strip() == "Points Possible" and canvas.iloc[0]["ex1 (5551)"] == "29"
    canvas = canvas.iloc[1:].set_index("SIS Login ID")
    assert canvas.loc["amy", "ID"] == "101" and canvas.loc["amy", "Student"] == "Smith, Amy"
    assert float(canvas.loc["amy", "ex1 (5551)"]) == pytest.approx(totals.loc["amy", "score"])
    assert float(canvas.loc[me, "ex1 (5551)"]) == pytest.approx(totals.loc[me, "score"])
    assert canvas.loc["bob", "ex1 (5551)"] == "" and canvas.loc["dan", "ex1 (5551)"] == ""
    moodle = pd.read_csv(exports / "moodle-grades.csv", dtype=str, keep_default_na=False)
    assert list(moodle.columns) == [*MOODLE_HEADER, "ex1 (5551)", "ex1 status"]
    term = pd.read_csv(exports / "term-grades.csv", dtype=str, keep_default_na=False).set_index("student_id")
    assert term.loc["bob", "ex1 status"] == "needs manual grading" and term.loc["bob", "ex1 late"] == "yes"
    assert term.loc[me, "ex1 late"] == "yes" and term.loc["amy", "ex1 late"] == ""

    # feedback archive: named for Canvas's re-upload where the submission came from Canvas
    with zipfile.ZipFile(exports / "feedback-ex1.zip") as zf:
        names = sorted(zf.namelist())
    assert names == sorted(["smithamy_101_9001_ex1-feedback.html", f"by-student-id/{me}/ex1-feedback.html"])


def _autograded(course: Course, student: str, text: str):
    folder = course.folder("autograded", "ex1", student)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(written(released("ex1"), text), folder / "ex1.ipynb")


@pytest.mark.slow
def test_manual_scores_are_kept_only_for_the_answer_they_were_given_to(tmp_path):
    """As after `nbgrader autograde` of a resubmission: each manual score flagged for review; settle()
    keeps it when the written answer is the one graded, clears it otherwise (also when nobody recorded)."""
    from nbgrader.api import Gradebook

    from newslit.classroom import ensure_in_gradebook

    course = Course(make_course(tmp_path))
    ensure_in_gradebook(course, "ex1")
    with Gradebook(course.db_url) as gb:
        for sid in ("same", "changed", "unknown"):
            gb.add_student(sid)
            gb.add_submission("ex1", sid)
            g = gb.find_grade("trace_first", "ex1", "ex1", sid)
            g.manual_score, g.needs_manual_grade = 3, sid == "unknown"  # "unknown": graded, then autograded
        gb.db.commit()
    for sid in ("same", "changed", "unknown"):
        _autograded(course, sid, "first answer")
    assert regrade.settle(course, "ex1").cleared == [("unknown", "trace_first", 3.0)]
    _autograded(course, "changed", "a rewritten answer")
    with Gradebook(course.db_url) as gb:
        for sid in ("same", "changed"):
            gb.find_grade("trace_first", "ex1", "ex1", sid).needs_manual_grade = True  # what autograde does
        gb.db.commit()
    settled = regrade.settle(course, "ex1")
    assert settled.kept == [("same", "trace_first")] and settled.cleared == [("changed", "trace_first", 3.0)]
    with Gradebook(course.db_url) as gb:
        assert gb.find_grade("trace_first", "ex1", "ex1", "same").score == 3
        assert gb.find_grade("trace_first", "ex1", "ex1", "changed").manual_score is None
        assert [gb.find_grade("trace_first", "ex1", "ex1", s).needs_manual_grade
                for s in ("same", "changed", "unknown")] == [False, True, True]


def test_replaced_and_renamed_submissions_are_found(tmp_path):
    course = Course(make_course(tmp_path))
    for sid in ("kept", "replaced", "renamed"):
        folder = course.folder("submitted", "ex1", sid)
        folder.mkdir(parents=True)
        (folder / "ex1.ipynb").write_text(notebook({}, f"{sid} v1"), encoding="utf-8")
        _autograded(course, sid, f"{sid} v1")
    regrade.record_submitted(course, "ex1", ["kept", "replaced", "renamed"])
    (course.folder("submitted", "ex1", "replaced") / "ex1.ipynb").write_text(notebook({}, "v2"), encoding="utf-8")
    for n in (1, 2):
        (course.folder("submitted", "ex1", "renamed") / f"ex1-{n}.ipynb").write_text(notebook({}, f"v{n + 1}"),
                                                                                      encoding="utf-8")
    messages = regrade.take_renamed(course, "ex1", ["kept", "replaced", "renamed"])
    assert len(messages) == 1 and "ex1-2.ipynb" in messages[0] and "newest wins" in messages[0]
    folder = course.folder("submitted", "ex1", "renamed")
    assert [p.name for p in folder.glob("*.ipynb")] == ["ex1.ipynb"]
    assert "v3" in (folder / "ex1.ipynb").read_text(encoding="utf-8")
    assert len(list((course.root / "grading" / "superseded" / "renamed").rglob("*.ipynb"))) == 2
    assert regrade.changed_submissions(course, "ex1", ["kept", "replaced", "renamed"]) == ["replaced", "renamed"]


@pytest.mark.slow
def test_an_lms_zip_is_collected_newest_first_and_only_changes_rewritten(tmp_path):
    course = Course(make_course(tmp_path))
    moodle = tmp_path / "moodle.csv"
    moodle.write_text("First name,Last name,ID number,Email address\nAmy,Smith,S1,amy@uni.example\n", encoding="utf-8")
    lms.import_roster(course, moodle)
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Amy Smith_777_assignsubmission_file/ex1.ipynb", notebook({}, "amy"))
        zf.writestr("Zed Unknown_778_assignsubmission_file_ex1.ipynb", notebook({}, "zed"))
        zf.writestr("Amy Smith_777_assignsubmission_file/notes.txt", "x")
    got = lms.collect_zip(course, "ex1", archive)
    assert got.new == ["S1"] and any("Zed Unknown is not on the roster" in m for m in got.messages)
    assert lms.submission_info(course, "ex1")["S1"]["prefix"] == "Amy Smith_777_assignsubmission_file_"
    assert lms.collect_zip(course, "ex1", archive).unchanged == ["S1"]


def test_late_penalty_per_started_day():
    from newslit.late import PerDayPenalty

    plugin = PerDayPenalty(percent_per_day=10, max_percent=25)
    assert plugin.late_submission_penalty("s", 20.0, 0) is None
    assert plugin.late_submission_penalty("s", 20.0, 60) == 2.0  # a started day
    assert plugin.late_submission_penalty("s", 20.0, 86400 * 2 + 1) == 5.0  # three days, capped at 25 %
    assert PerDayPenalty().late_submission_penalty("s", 20.0, 86400) is None


def test_report_headings_are_readable():
    from newslit.report import kind_name

    assert kind_name("est_bound") == "The bound each figure carries"
    assert "_" not in kind_name("est_something_new")


def test_a_due_date_for_an_unknown_exercise_is_an_error(tmp_path):
    from newslit.classroom import CourseError
    from newslit.late import set_due_dates

    root = make_course(tmp_path)
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as fh:
        fh.write("\nc.NewslitTerm.due_dates = {'ex9': '2026-05-04 23:59 Europe/Berlin'}\n")
    with pytest.raises(CourseError, match="ex9"):
        set_due_dates(Course(root))
