"""nbgrader wiring: the release is reproducible, stripped of solutions and keys, and output-free."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from harness import ROOT, make_course, nbgrader

from newslit import assign

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "_grade(")


def notebooks(folder):
    return sorted((ROOT / folder).glob("*/*.ipynb"))


def test_every_assignment_is_released():
    assert ASSIGNMENTS and ASSIGNMENTS == sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_generate_assignment_reproduces_exercises_byte_for_byte(tmp_path, assignment):
    course = make_course(tmp_path)
    nbgrader(course, "generate_assignment", assignment, "--force")
    produced = sorted(p.relative_to(course / "exercises") for p in (course / "exercises" / assignment).rglob("*") if p.is_file())
    committed = sorted(p.relative_to(ROOT / "exercises") for p in (ROOT / "exercises" / assignment).rglob("*") if p.is_file())
    assert produced == committed
    for rel in produced:
        assert (course / "exercises" / rel).read_bytes() == (ROOT / "exercises" / rel).read_bytes(), rel


@pytest.mark.parametrize("path", notebooks("exercises"), ids=lambda p: p.name)
def test_released_notebooks_carry_no_solutions_or_hidden_tests(path):
    text = path.read_text(encoding="utf-8")
    for marker in MARKERS:
        assert marker not in text, marker


@pytest.mark.parametrize("path", notebooks("exercises") + notebooks("solutions"), ids=lambda p: str(p.relative_to(ROOT)))
def test_nbgrader_notebooks_are_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert "widgets" not in nb["metadata"]


def test_no_cell_of_solutions_holds_a_key_and_a_planted_one_is_found(tmp_path):
    assert assign.leaked(ROOT) == []
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    path = tmp_path / "solutions" / "ex1" / "ex1.ipynb"
    nb = nbformat.read(path, as_version=4)
    spec = next(c.metadata["newslit"] for c in nb.cells if "newslit" in c.metadata)
    nb.cells[-1].source += "\n# " + assign.key_entry(spec, ROOT)["why"]
    nbformat.write(nb, path)
    assert assign.leaked(tmp_path) == ["solutions/ex1/ex1.ipynb:submit_check"]


def test_every_grade_cell_has_a_unique_id_and_keyed_tests_have_points():
    for path in notebooks("solutions"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        ids = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"] if "nbgrader" in c["metadata"]]
        assert len(ids) == len(set(ids)), path
        for cell in nb["cells"]:
            if "newslit" in cell["metadata"] and "kind" in cell["metadata"]["newslit"]:
                assert cell["metadata"]["nbgrader"]["grade"] and cell["metadata"]["nbgrader"]["points"] > 0


def test_the_config_puts_grading_state_in_one_ignored_folder():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "grading/" in ignored
    config = (ROOT / "nbgrader_config.py").read_text()
    for folder in ("submitted", "autograded", "feedback", "gradebook.db"):
        assert f'"grading", "{folder}"' in config or f'"grading/{folder}"' in config, folder
    assert 'source_directory = "solutions"' in config and 'release_directory = "exercises"' in config


def test_no_checkpoint_files_are_in_the_course_folders():
    for folder in ("solutions", "exercises", "lessons"):
        assert not list((ROOT / folder).rglob(".ipynb_checkpoints")), folder


def test_lessons_keep_outputs_only_where_nbval_checks_them():
    for path in sorted((ROOT / "lessons").glob("*.ipynb")):
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and cell["outputs"]:
                assert "".join(cell["source"]).lstrip().startswith("# NBVAL_CHECK_OUTPUT"), path.name


def test_no_example_pairs_an_assessed_item_with_its_key_label():
    """Examples in text or messages must not show e.g. {'c02': 'opinion'} for an assessed claim."""
    from newslit import data

    key = data.load("claims", root=ROOT, with_key=True)
    assessed = key[key.role == "assessed"]
    texts = {p: p.read_text(encoding="utf-8") for p in notebooks("exercises") + sorted((ROOT / "src").rglob("*.py"))}
    for cid, row in assessed.iterrows():
        for accepted in [row["label"], *filter(None, row["alternates"].split("|"))]:
            for pair in (f"'{cid}': '{accepted}'", f'\\"{cid}\\": \\"{accepted}\\"', f"'{cid}': \\\"{accepted}"):
                for path, text in texts.items():
                    assert pair not in text, (path.name, pair)
