"""The course's autograde steps: the schema-once cell check gives nbgrader's verdict on every cell; ScoreItems
scores every item from the file and the instructor's notebook, whatever the kernel printed."""

import copy
from pathlib import Path

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator, ValidationError
from nbgrader.preprocessors import CheckCellMetadata

from newslit.preprocessors import CheckCellMetadataOnce, SchemaOnceValidator, drop_broken_nbgrader_metadata

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "solutions").glob("*/*.ipynb")) + sorted((REPO / "exercises").glob("*/*.ipynb"))


def _grade_cell():
    nb = nbformat.read(REPO / "solutions" / "ex1" / "ex1.ipynb", as_version=4)
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))


def _verdict(validator, cell):
    try:
        validator.validate_cell(cell)
    except Exception as err:  # the type and the message are the verdict
        return type(err), str(err).split("\n")[0]
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_course_notebooks_pass_both_validators(path):
    nb = nbformat.read(path, as_version=4)
    assert any("nbgrader" in c.metadata for c in nb.cells)
    MetadataValidator().validate_nb(nb)
    SchemaOnceValidator().validate_nb(nb)


BROKEN = {
    "points is text": lambda m: m.update(points="one"),
    "grade is text": lambda m: m.update(grade="yes"),
    "unknown key": lambda m: m.update(bonus=True),
    "no grade_id": lambda m: m.pop("grade_id"),
    "empty grade_id": lambda m: m.update(grade_id=""),
    "no points": lambda m: m.pop("points"),
    "schema too old": lambda m: m.update(schema_version=2),
    "schema too new": lambda m: m.update(schema_version=4),
    "no schema version": lambda m: m.pop("schema_version"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_metadata_gets_nbgraders_own_error(name):
    cell = _grade_cell()
    BROKEN[name](cell.metadata["nbgrader"])
    expected = _verdict(MetadataValidator(), copy.deepcopy(cell))
    assert expected is not None, "the case must be one nbgrader rejects"
    assert _verdict(SchemaOnceValidator(), cell) == expected


def test_duplicate_grade_ids_fail_the_notebook_check():
    nb = nbformat.read(REPO / "solutions" / "ex1" / "ex1.ipynb", as_version=4)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    graded[1].metadata["nbgrader"]["grade_id"] = graded[0].metadata["nbgrader"]["grade_id"]
    for step in (CheckCellMetadata(), CheckCellMetadataOnce()):
        with pytest.raises(ValidationError, match="nbgrader metadata may be corrupted"):
            step.preprocess(copy.deepcopy(nb), {})


def test_drop_broken_metadata_keeps_good_cells_and_drops_bad_ones():
    nb = nbformat.read(REPO / "solutions" / "ex1" / "ex1.ipynb", as_version=4)
    good = [i for i, c in enumerate(nb.cells) if "nbgrader" in c.metadata]
    nb.cells[good[0]].metadata["nbgrader"] = {}  # what DeduplicateIds leaves on a pasted copy
    nb.cells[good[1]].metadata["nbgrader"]["schema_version"] = 1
    nb, _ = drop_broken_nbgrader_metadata(nb, {})
    assert [i for i, c in enumerate(nb.cells) if "nbgrader" in c.metadata] == good[2:]
    CheckCellMetadataOnce().preprocess(nb, {})  # what is left passes nbgrader's check


def _course_config():
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()


def _name(step) -> str:
    return step if isinstance(step, str) else f"{step.__module__.rsplit('.', 1)[0]}.{step.__name__}"


@pytest.mark.parametrize("steps", ["sanitize_preprocessors", "autograde_preprocessors"])
def test_autograde_runs_nbgraders_steps_with_the_schema_once_check(steps):
    """Both passes of ``nbgrader autograde`` keep every default step; only the cell check is swapped."""
    from nbgrader.converters import Autograde

    default = [_name(s) for s in Autograde.class_traits()[steps].default()]
    expected = [n.replace("nbgrader.preprocessors.CheckCellMetadata", "newslit.preprocessors.CheckCellMetadataOnce")
                for n in default]
    if steps == "sanitize_preprocessors":
        expected.insert(expected.index("newslit.preprocessors.CheckCellMetadataOnce"),
                        "newslit.preprocessors.drop_broken_nbgrader_metadata")
    else:  # items are scored right after the notebook ran, before nbgrader reads any score
        # the student's kernel runs sandboxed (newslit.sandbox); items are scored right after it ran
        expected[expected.index("nbgrader.preprocessors.Execute")] = "newslit.sandbox.SandboxedExecute"
        expected.insert(expected.index("newslit.sandbox.SandboxedExecute") + 1, "newslit.preprocessors.ScoreItems")
    assert "nbgrader.preprocessors.CheckCellMetadata" in default
    assert list(_course_config().Autograde[steps]) == expected


def test_exporters_validate_once_after_the_last_step():
    from nbconvert.exporters import HTMLExporter, NotebookExporter

    config = _course_config()
    assert NotebookExporter(config=config).optimistic_validation
    assert HTMLExporter(config=config).optimistic_validation
    assert not NotebookExporter().optimistic_validation  # nbconvert's default: after every step


def _scored(nb):
    from newslit.preprocessors import ScoreItems

    step = ScoreItems(config=_course_config())
    step.preprocess(nb, {"nbgrader": {"assignment": "ex1", "notebook": "ex1", "student": "s"}})
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}


def test_score_items_replaces_whatever_the_kernel_printed_with_the_files_score():
    from harness import record

    nb = nbformat.read(REPO / "exercises" / "ex1" / "ex1.ipynb", as_version=4)
    record(nb, "labels", {"c02": "opinion", "c06": "fake news"})
    fake = nbformat.v4.new_output("execute_result", data={"text/plain": "1.0"}, execution_count=1)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.outputs = [fake]
    cells = _scored(nb)
    assert len(cells) == 25 and all(len(c.outputs) == 1 for c in cells.values())
    assert cells["labels_c02"].outputs[0].data["text/plain"] == "1"
    assert cells["labels_c06"].outputs[0].data["text/plain"] == "0"
    assert cells["cues_c07"].outputs[0].data["text/plain"] == "0"
    assert "✘ not answered" in cells["cues_c07"].outputs[0].data["text/html"]


def test_score_items_takes_the_item_from_the_instructors_notebook_not_the_submitted_metadata():
    from harness import record

    nb = nbformat.read(REPO / "exercises" / "ex1" / "ex1.ipynb", as_version=4)
    record(nb, "labels", {"c02": "opinion"})
    for cell in nb.cells:  # every test cell now claims to score c02, which the student answered right
        if "newslit" in cell.metadata:
            cell.metadata["newslit"].update(item="c02", answers="labels", kind="label", table="claims")
    cells = _scored(nb)
    assert sum(float(c.outputs[0].data["text/plain"]) for c in cells.values()) == 1
