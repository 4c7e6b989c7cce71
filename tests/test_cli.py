"""The instructor command: a demo class graded end to end, exports checked against the personas."""

from __future__ import annotations

import html
import json
import os
import shutil

import nbformat
import pandas as pd
import pytest

from newslit import assign, classroom, cli, personas
from newslit.answers import normalize_label
from newslit.classroom import Course, feedback_leaks, split
from newslit.grading import check
from newslit.report import BOUND, Unreadable, forms, item_text

ROOT = __import__("harness").ROOT


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("grade", "feedback", "export", "demo", "keys", "guide"):
        assert command in out


def test_outside_a_course_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["--course", str(tmp_path), "grade"]) == 2
    assert "nbgrader_config.py" in capsys.readouterr().err


def test_students_are_split_evenly_into_groups():
    groups = split([f"s{i:02}" for i in range(7)], 2)
    assert [len(g) for g in groups] == [4, 3]
    assert sorted(sum(groups, [])) == [f"s{i:02}" for i in range(7)]
    assert split(["a"], 4) == [["a"]]


def test_recorded_answers_are_parsed_never_run(tmp_path):
    marker = tmp_path / "ran"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("labels = ask('q', ITEMS, recorded={\n    'c02': 'opinion',\n})"),
                nbformat.v4.new_code_cell(f"cues = ask('q2', ITEMS, recorded={{'c07': open({str(marker)!r}, 'w')}})"),
                nbformat.v4.new_code_cell("other = ask('q3', ITEMS, recorded=None)")]
    found = {var: value for var, (_, value) in forms(nb).items()}
    assert found["labels"] == {"c02": "opinion"}
    assert isinstance(found["cues"], Unreadable)
    assert found["other"] is None
    assert not marker.exists()


def test_feedback_files_that_could_leak_the_key_are_found(tmp_path):
    """Only each notebook's feedback page may be released, and it never shows a key literal."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    course = Course(tmp_path)
    cell = next(c for c in course.grade_cells("ex1") if not c.manual)
    literal = json.dumps(assign.key_entry(cell.spec, ROOT), ensure_ascii=False)
    folder = tmp_path / "grading" / "feedback" / "amy" / "ex1"
    folder.mkdir(parents=True)
    (folder / "ex1.html").write_text(f"<pre>{html.escape(literal)}</pre>")
    (folder / "key.txt").write_text("written by the student's code while grading")
    (folder.parent.parent / "bob" / "ex1").mkdir(parents=True)
    (folder.parent.parent / "bob" / "ex1" / "ex1.html").write_text("<p>c02: ✔ correct. Why: …</p>")
    leaks = feedback_leaks(course, "ex1")
    assert set(leaks) == {str(folder / "ex1.html")}
    assert classroom.withhold_extra_files(course, "ex1") == [folder / "key.txt"] and not (folder / "key.txt").exists()


def test_every_item_has_its_key_in_data_key_and_no_notebook_holds_one(capsys):
    assert cli.main(["--course", str(ROOT), "keys"]) == 0
    assert "no notebook cell holds one" in capsys.readouterr().out


def test_answer_key_document_is_current():
    """docs/answer-key.md is generated: regenerate with `newslit guide` after changing a key."""
    assert cli.main(["--course", str(ROOT), "guide", "--check"]) == 0


def _expected(course: Course, assignment: str, student: str) -> dict:
    """{grade_id: (score or None while waiting for manual grading, status, chosen answer)} from the persona rule."""
    persona = personas.student_persona(student)
    recorded = personas.answers(persona, course, assignment, root=ROOT)
    out = {}
    for cell in course.grade_cells(assignment):
        if cell.manual:
            out[cell.grade_id] = (None if persona.written is not None else 0.0, None, None)
            continue
        if cell.spec.get("name"):  # answered by code: the model solution, or the stub
            out[cell.grade_id] = (cell.points if persona.codes else 0.0, "correct" if persona.codes else "missing",
                                  None)
            continue
        answers = recorded.get(cell.spec["answers"]) or None
        result = check(answers, cell.spec["item"], course.key(cell))
        out[cell.grade_id] = (cell.points * result.credit, result.status, (answers or {}).get(cell.spec["item"]))
    return out


@pytest.mark.slow
def test_demo_class_is_graded_end_to_end(tmp_path, capsys):
    dest = tmp_path / "demo"
    assert cli.main(["demo", "--dest", str(dest), "--workers", "2", "--quiet"]) == 0
    printed = capsys.readouterr().out
    course = Course(dest)
    out = dest / "grading" / "exports"
    assert str(out / "ex1-report.html") in printed
    totals = pd.read_csv(out / "grades.csv")
    students = [p.name for p in personas.PERSONAS]
    graded = [a for a in course.assignments() if course.submitted(a)]
    assert "ex1" in graded
    for a in graded:
        assert course.submitted(a) == sorted(students)
        cells = course.grade_cells(a)
        auto = [c for c in cells if not c.manual]
        expected = {s: _expected(course, a, s) for s in students}

        # per-item CSV: every student x item score, exactly the persona's
        items = pd.read_csv(out / f"{a}-items.csv").set_index("student_id")
        for s in students:
            for c in cells:
                want = expected[s][c.grade_id][0]
                got = items.loc[s, c.grade_id]
                assert (pd.isna(got) if want is None else got == pytest.approx(want)), (a, s, c.grade_id)
            assert items.loc[s, "manual_pending"] == any(v[0] is None for v in expected[s].values())
            row = totals[(totals["assignment"] == a) & (totals["student_id"] == s)].iloc[0]
            assert row["score"] == pytest.approx(sum(v[0] or 0 for v in expected[s].values()))
        assert totals.loc[(totals["assignment"] == a) & (totals["student_id"] == "strong"), "score"].iloc[0] == \
            pytest.approx(sum(c.points for c in auto))
        assert (items.loc["blank", [c.grade_id for c in cells]] == 0).all()

        # item analysis: status counts and error rates per item
        analysis = pd.read_csv(out / f"{a}-item-analysis.csv").set_index("grade_id")
        for c in auto:
            statuses = [expected[s][c.grade_id][1] for s in students]
            for status in ("correct", "accepted", "wrong", "missing", "invalid"):
                assert analysis.loc[c.grade_id, status] == statuses.count(status), (c.grade_id, status)
            misses = sum(expected[s][c.grade_id][0] < c.points for s in students)
            assert analysis.loc[c.grade_id, "error_rate"] == pytest.approx(misses / len(students), abs=1e-4)
            assert analysis.loc[c.grade_id, "disagreements"] == 0

        # confusion matrices (labels, and any other kind with one option list): best answer x answer chosen
        files = sorted(out.glob(f"{a}-confusion-*.csv"))
        assert (out / f"{a}-confusion-label.csv" in files) == any(c.spec["kind"] == "label" for c in auto)
        for path in files:
            kind = path.stem.removeprefix(f"{a}-confusion-")
            confusion = pd.read_csv(path, index_col=0)
            of_kind = [c for c in auto if c.spec["kind"] == kind]
            want = {}
            for c in of_kind:
                key = course.key(c)
                best = key["label"] if key["kind"] == "label" else key["accept"][0]
                for s in students:
                    given = expected[s][c.grade_id][2]
                    col = "(no answer)" if given is None else normalize_label(given) if key["kind"] == "label" else given
                    want[best, col] = want.get((best, col), 0) + 1
            for (best, col), n in want.items():
                assert confusion.loc[best, col] == n, (path.name, best, col)
            assert confusion.to_numpy().sum() == len(of_kind) * len(students)

        # the named misconception "bound word read as a hedge" counts exactly the personas' such answers
        mis = pd.read_csv(out / f"{a}-misconceptions.csv").set_index("misconception")
        labels = [c for c in auto if c.spec["kind"] == "label"]
        texts = {c.grade_id: item_text(c, ROOT) for c in labels}
        bound = sum(1 for c in labels for s in students
                    if expected[s][c.grade_id][1] == "wrong" and expected[s][c.grade_id][2] == "hedged"
                    and BOUND.search(texts[c.grade_id]))
        name = "read a bound word (up to, at least, about, over) as a hedge"
        assert (mis.loc[name, "count"] if name in mis.index else 0) == bound
        if a == "ex1":
            assert bound >= 5

        # feedback: one file per fully graded student (none while a written answer waits), no hidden tests
        assert feedback_leaks(course, a) == {}
        for s in students:
            waiting = any(v[0] is None for v in expected[s].values())
            assert (course.folder("feedback", a, s) / f"{cells[0].notebook}.html").is_file() != waiting, (a, s)
        assert "<img" in (out / f"{a}-report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_demo_class_on_postgresql(tmp_path):
    """The gradebook on PostgreSQL (db_url): set NEWSLIT_TEST_PG_URL to a server URL to run this."""
    url = os.environ.get("NEWSLIT_TEST_PG_URL")  # e.g. postgresql+psycopg2://postgres@127.0.0.1:5432/postgres
    if not url:
        pytest.skip("NEWSLIT_TEST_PG_URL is not set")
    pytest.importorskip("psycopg2")
    import sqlalchemy as sa

    name = f"newslit_test_{os.getpid()}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        db_url = sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
        dest = tmp_path / "demo"
        assert cli.main(["demo", "--dest", str(dest), "--db-url", db_url, "--personas", "strong", "blank",
                         "--quiet"]) == 0
        assert Course(dest).db_url == db_url
        assert not list(dest.glob("grading/*.db"))
        items = pd.read_csv(dest / "grading" / "exports" / "ex1-items.csv").set_index("student_id")
        auto = [c for c in Course(dest).grade_cells("ex1") if not c.manual]
        assert items.loc["strong", "total"] == pytest.approx(sum(c.points for c in auto))
        assert items.loc["blank", "total"] == 0
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_a_copied_course_reads_the_keys_its_grader_reads(tmp_path, monkeypatch):
    """`newslit demo`, bench and the tests grade a copy of the course that has no data/key/: with a non-editable
    install (no repository to fall back on), the keys come from the copy's ScoreItems.key_root (in CI, every
    `newslit grade` of such a copy failed with 'answer keys are only available inside the course repository')."""
    from newslit import data

    real = data.key_dir

    def key_dir(root=None):  # as in a non-editable install: no repository of its own to fall back on
        if root is None:
            raise data.DataError("answer keys are only available inside the course repository")
        return real(root)

    monkeypatch.setattr(data, "key_dir", key_dir)
    course = personas.copy_course(ROOT, tmp_path / "copy")
    assert course.key_root == ROOT and not (course.root / "data").exists()
    for assignment in course.assignments():
        assert all(course.key(c)["why"] for c in course.grade_cells(assignment) if not c.manual)
        assert classroom.key_text(course, assignment)
