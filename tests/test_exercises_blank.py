"""The released exercises as a student first opens them: form cells cannot be deleted, and Run All with
every answer blank reaches the end, draws every form and says "not answered yet" under each."""

import re

import nbclient
import nbformat
import pytest
from harness import ROOT, beside, released

from newslit.check import VALIDATE

EXERCISES = sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())
FORM = re.compile(r"^\w+ = ask\(", re.M)
CHECK = re.compile(r"^check_answer\(\w+, '(\w+)', '\w+', qid='([\w-]+)'\)", re.M)
DESCRIBE = re.compile(r"^describe\(globals\(\), '(\w+)'", re.M)
WIDGET = "application/vnd.jupyter.widget-view+json"


def form_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and FORM.search(c.source)]


def text(cell) -> str:
    """What a cell printed or displayed as text."""
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", []))


@pytest.mark.parametrize("name", EXERCISES)
def test_every_form_cell_cannot_be_deleted_and_stays_editable(name):
    """JupyterLab 4.6 and Notebook 7 refuse a type change only in cells with editable: false, which would also
    refuse typing and recording; a form cell turned raw or markdown is graded as the code cell it was."""
    source = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
    forms = form_cells(released(name))
    assert forms and len(forms) == len(form_cells(source))
    for cell in forms:
        assert (cell.metadata.get("deletable"), cell.metadata.get("editable")) == (False, True), cell.source[:60]


@pytest.mark.slow
@pytest.mark.parametrize("name", EXERCISES)
def test_run_all_with_every_answer_blank_reaches_the_end(name, tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)  # as in the student's kernel
    nb = released(name)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(beside(name, tmp_path))}}).execute()  # raises on any error

    for cell in form_cells(nb):
        assert any(WIDGET in o.get("data", {}) for o in cell.outputs), cell.source[:60]
    checked = set()
    for cell in nb.cells:
        for item, qid in CHECK.findall(cell.source):
            assert f"{item}: not answered yet." in text(cell), (qid, item)
            checked.add(qid)
        for var in DESCRIBE.findall(cell.source):
            assert text(cell).startswith(f"{var}: not answered yet. Write the code that assigns {var} in its "
                                         "'Your code' cell and run it.\n")  # then the cell hands it in (None)
    assert checked

    submit = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "submit_check")
    said = text(submit)
    for qid in checked:  # every graded form is in the self-check, with every one of its items
        items = [item for c in nb.cells for item, q in CHECK.findall(c.source) if q == qid]
        assert f"{qid}: 0 of {len(items)} items answered and recorded" in said
        assert f"  Not answered: {', '.join(items)}\n" in said
    assert said.rstrip().endswith(VALIDATE)
