"""Only nbgrader's feedback HTML reaches a student, and none of it shows key text beyond the student's own
feedback for their own items (newslit.classroom.withhold_extra_files, feedback_leaks).

A graded notebook is made by hand from the release: each test cell's output is its own item's verdict
and explanation, as the grading step writes it; the feedback HTML is nbconvert's rendering of it.
"""

import json

import nbformat
import pytest
from harness import ROOT, make_course
from nbconvert import HTMLExporter

from newslit.classroom import Course, feedback_files, feedback_leaks, withhold_extra_files, withhold_leaks


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return Course(make_course(tmp_path_factory.mktemp("feedback")))


@pytest.fixture(scope="module")
def items(course):
    """[(grade_id, key)] of ex1's autograded items."""
    return [(c.grade_id, course.key(c)) for c in course.grade_cells("ex1") if not c.manual]


def graded(course, student, items, extra_output=None, where=None):
    """Write an autograded notebook and its feedback HTML; ``extra_output`` is printed in the grade cell
    ``where`` or, for "plain", in the first code cell that is not graded (a student's own cell)."""
    nb = nbformat.read(ROOT / "exercises" / "ex1" / "ex1.ipynb", as_version=4)
    whys = dict((gid, key.get("why", "")) for gid, key in items)
    plain = next(c for c in nb.cells if c.cell_type == "code" and "grade_id" not in c.metadata.get("nbgrader", {}))
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code":
            text = f"✘ wrong. Why: {whys[gid]}\n" if gid in whys else ""
            if (gid == where or (where == "plain" and cell is plain)) and extra_output:
                text += extra_output
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)] if text else []
    folder = course.folder("autograded", "ex1", student)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "ex1.ipynb")
    feedback = course.folder("feedback", "ex1", student)
    feedback.mkdir(parents=True, exist_ok=True)
    (feedback / "ex1.html").write_text(HTMLExporter().from_notebook_node(nb)[0], encoding="utf-8")
    return feedback


def test_own_feedback_for_own_items_is_not_a_leak(course, items):
    graded(course, "honest", items)
    assert all(key.get("why", "") for _, key in items)  # the fixture shows every item's explanation
    leaks = feedback_leaks(course, "ex1")
    assert [p for p in leaks if "/honest/" in p] == [], leaks


@pytest.mark.parametrize("case", ["other_item_in_a_test_cell", "explanation_in_own_cell", "key_literal",
                                  "key_row_of_another_exercise", "hidden_test_marker"])
def test_key_text_anywhere_else_is_a_leak_and_withheld(course, items, case):
    (gid1, key1), (_, key2) = items[0], items[1]
    other = (ROOT / "data" / "key" / "slips.csv").read_text(encoding="utf-8").splitlines()[1]
    text, where = {
        "other_item_in_a_test_cell": (key2["why"], gid1),
        "explanation_in_own_cell": (key1["why"], "plain"),  # a cell that is not graded
        "key_literal": (json.dumps(key1, ensure_ascii=False), "plain"),
        "key_row_of_another_exercise": (other, "plain"),
        "hidden_test_marker": ("### BEGIN HIDDEN TESTS", gid1),
    }[case]
    folder = graded(course, case, items, text + "\n", where)
    leaks = feedback_leaks(course, "ex1")
    assert list(p for p in leaks if f"/{case}/" in p) == [str(folder / "ex1.html")]
    assert str(folder / "ex1.html") in withhold_leaks(course, "ex1")
    assert not (folder / "ex1.html").exists()


def test_every_file_is_scanned_not_only_html(course, items):
    folder = graded(course, "planted", items)
    (folder / "key.txt").write_text(items[2][1]["why"], encoding="utf-8")
    assert str(folder / "key.txt") in feedback_leaks(course, "ex1")


def test_only_the_notebooks_html_stays_in_a_feedback_folder(course, items):
    folder = graded(course, "uploads", items)
    (folder / "notes.html").write_text("<p>mine</p>")
    (folder / "data").mkdir()
    (folder / "data" / "answers.csv").write_text("c02,opinion")
    removed = withhold_extra_files(course, "ex1")
    assert {p.name for p in removed} >= {"notes.html", "answers.csv"}
    assert [p.name for p in feedback_files(course, "ex1") if p.parent == folder] == ["ex1.html"]
    assert not (folder / "data").exists()
