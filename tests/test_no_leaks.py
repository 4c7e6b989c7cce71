"""Nothing a student receives holds an assessed answer outside their own feedback for their own items:
not the released exercises, not the lessons, not the student bundle or the wheel inside it, not any
file of any feedback folder.

What counts as the key (data/key/*.csv): the free-text fields (explanations and the like: columns whose
values average 50+ characters), and per autograded item the key the grader builds (its literal, its
explanation: ``assign.key_texts``). Short answers such as 'attributed' are
options every student sees, so they are not scanned for; instead the shipped public tables must have
every keyed answer field blank.
"""

import ast
import csv
import html
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import adversarial as adv
import nbformat
import pytest
from adversarial import load
from harness import ROOT, autograde, make_course, nbgrader, submit

from newslit import assign

MARKERS = ("HIDDEN TESTS", "_grade(")


def key_tables(packs: bool = True) -> dict[str, list[dict]]:
    """{file: rows} of the course's data/key/ (by file name) and, with ``packs``, of every pack's key/ (by path)."""
    out = {p.name: list(csv.DictReader(p.open(encoding="utf-8", newline=""))) for p in (ROOT / "data" / "key").glob("*.csv")}
    if packs:
        out.update({str(p.relative_to(ROOT)): list(csv.DictReader(p.open(encoding="utf-8", newline="")))
                    for p in sorted(ROOT.glob("packs/*/key/*.csv"))})
    return out


def key_prose() -> dict[str, str]:
    """{text: 'file id column'} for the free-text fields of the key."""
    out = {}
    for name, rows in key_tables().items():
        id_field, *fields = list(rows[0])
        for f in fields:
            values = [r[f] for r in rows if r[f]]
            if values and sum(map(len, values)) / len(values) >= 50:
                out.update({r[f]: f"{name} {r[id_field]} {f}" for r in rows if len(r[f]) >= 20})
    return out


def item_keys() -> dict[str, str]:
    """{key text: 'notebook grade_id'}: each autograded item's key literal, explanation and hidden values."""
    out = {}
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for gid, spec in assign.items(nbformat.read(path, as_version=4)).items():
            out.update({t: f"{path.name} {gid}" for t in assign.key_texts(assign.key_entry(spec, ROOT))})
    return out


def key_literals() -> dict[str, str]:
    return {t: where for t, where in item_keys().items() if t.startswith("{")}


def strings(obj):
    """Every string inside a parsed notebook (sources, outputs, metadata)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


def text_of(name: str, data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".ipynb"):
        return "\n".join(strings(json.loads(text)))
    return html.unescape(text) if name.endswith(".html") else text


def leaks(text: str, forbidden: dict[str, str]) -> list[str]:
    return [where for needle, where in forbidden.items() if needle in text]


def test_the_scan_has_something_to_find():
    items = sum(len(assign.items(nbformat.read(p, as_version=4))) for p in (ROOT / "solutions").glob("*/*.ipynb"))
    assert items >= 77 + 20  # exercises 1-3, and 4 on its own article
    assert len(key_prose()) >= 40 and len(key_literals()) == items and len(item_keys()) >= 140
    assert all(len(t) >= 20 for t in key_prose())


PUBLIC = [p for folder in ("exercises", "lessons") for p in sorted((ROOT / folder).rglob("*"))
          if p.is_file() and ".ipynb_checkpoints" not in p.parts]
PUBLIC_NOTEBOOKS = [p for p in PUBLIC if p.suffix == ".ipynb"]


@pytest.mark.parametrize("path", PUBLIC, ids=[str(p.relative_to(ROOT)) for p in PUBLIC])
def test_released_exercises_and_lessons_hold_no_key(path):
    text = text_of(path.name, path.read_bytes())
    forbidden = {**key_prose(), **item_keys(), **{m: f"marker {m!r}" for m in MARKERS}}
    assert leaks(text, forbidden) == []


@pytest.mark.slow
def test_the_student_bundle_holds_the_course_but_no_key(tmp_path, capsys):
    from newslit import cli

    assert cli.main(["--course", str(ROOT), "bundle", "--dest", str(tmp_path)]) == 0
    bundle = zipfile.ZipFile(tmp_path / "newslit-student.zip")
    names = bundle.namelist()
    released = [p for p in PUBLIC if p.parts[len(ROOT.parts)] == "exercises"]  # with exercise 4's article/
    assert any(p.name == "article.txt" for p in released)
    for path in [*PUBLIC_NOTEBOOKS, *released]:
        assert bundle.read(f"newslit-student/{path.relative_to(ROOT).as_posix()}") == path.read_bytes()
    assert not [n for n in names if "solutions/" in n or "/key/" in n or "answer-key" in n]
    key = {**key_prose(), **item_keys()}
    in_notebooks = {**key, **{m: f"marker {m!r}" for m in MARKERS}}  # the package's own code names the markers
    (wheel_name,) = [n for n in names if n.endswith(".whl")]
    inner = zipfile.ZipFile(io.BytesIO(bundle.read(wheel_name)))
    found = [(n, leaks(text_of(n, bundle.read(n)), in_notebooks)) for n in names if not n.endswith(".whl")]
    found += [(n, leaks(text_of(n, inner.read(n)), key)) for n in inner.namelist()]
    assert len(inner.namelist()) > 10
    assert [f for f in found if f[1]] == []
    assert f"pip install {wheel_name.split('/')[-1]}" in bundle.read("newslit-student/README.md").decode()


def test_exercise_1_text_quotes_no_graded_claim():
    """Exercise 1 grades labels, so its own prose must not point at a graded claim (as a worked example once did)."""
    claims = list(csv.DictReader((ROOT / "data" / "claims.csv").open(encoding="utf-8", newline="")))
    graded = [c["span"] for c in claims if c["role"] == "assessed"]
    prose = [c.source for c in nbformat.read(ROOT / "exercises" / "ex1" / "ex1.ipynb", as_version=4).cells
             if c.cell_type == "markdown"]
    assert graded and [s for s in graded if any(s in md for md in prose)] == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (path,) = out.glob("newslit-*.whl")
    return zipfile.ZipFile(path)


@pytest.mark.slow
def test_the_installed_package_holds_no_key(wheel):
    names = wheel.namelist()
    assert not [n for n in names if "/key/" in n or n.startswith("data/")]
    assert "newslit/data/claims.csv" in names
    forbidden = {**key_prose(), **item_keys()}
    found = {n: leaks(text_of(n, wheel.read(n)), forbidden) for n in names}
    assert {n: f for n, f in found.items() if f} == {}


@pytest.mark.slow
def test_the_shipped_tables_leave_every_keyed_answer_blank(wheel):
    checked = 0
    for name, rows in key_tables(packs=False).items():
        member = f"newslit/data/{name}"
        if member not in wheel.namelist():
            continue
        public = list(csv.DictReader(wheel.read(member).decode("utf-8").splitlines()))
        id_field, *fields = list(rows[0])
        keyed = {r[id_field] for r in rows}
        for row in public:
            if row[id_field] in keyed:
                checked += 1
                assert {f: row[f] for f in fields if f in row and row[f]} == {}, (name, row[id_field])
    assert checked >= len(key_tables(packs=False)["claims.csv"])


WRITE_FILES = (  # student code that reads data/key/ (the sandbox stops that) and writes or prints it
    "import pathlib\n"
    f"rows = '\\n'.join(p.read_text() for p in sorted(pathlib.Path({str(ROOT / 'data' / 'key')!r}).glob('*.csv')))\n"
    "pathlib.Path('notes.html').write_text('<pre>' + rows + '</pre>')\n"
    "pathlib.Path('key.txt').write_text(rows)\n"
    "print(rows)\n")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir()))
def test_every_feedback_file_shows_the_key_only_in_the_students_own_verdicts(name, tmp_path):
    """After ``newslit grade``'s check, every feedback folder holds only the student's page, whose only key
    content is the explanations of their own items (in the verdicts): not the printed input history, not
    files or printed rows of data/key/ from student code (what the sandbox stops reading, this withholds)."""
    from newslit.classroom import Course, withhold_leaks

    a = load(name)
    course = make_course(tmp_path)
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as fh:  # the scan is the line behind the sandbox:
        fh.write("\nc.SandboxedKernelManager.sandbox = False\n")  # test it where student code can read and write
    submit(course, "right", name, a.filled())
    submit(course, "blank", name, a.notebook())
    submit(course, "history", name, adv.print_history_zero(a).submission)
    submit(course, "hook", name, adv.key_hook_zero(a).submission)
    submit(course, "reader", name, a.insert_before_tests(a.notebook(), WRITE_FILES))
    autograde(course, name)
    nbgrader(course, "generate_feedback", name, "--force")
    feedback = course / "grading" / "feedback"
    assert (feedback / "reader" / name / "key.txt").is_file()  # nbgrader copies what student code wrote
    withheld = withhold_leaks(Course(course), name)
    assert {Path(p).relative_to(feedback).as_posix() for p in withheld} == {
        f"reader/{name}/notes.html", f"reader/{name}/key.txt", f"reader/{name}/{name}.html"}
    files = sorted(p for p in feedback.rglob("*") if p.is_file() and not released_copy(p, feedback, name))
    assert [p.relative_to(feedback).as_posix() for p in files] == [
        f"{s}/{name}/{name}.html" for s in ("blank", "history", "hook", "right")]
    own = sorted((t for t, where in item_keys().items() if where.startswith(f"{name}.ipynb ") and not t.startswith("{")),
                 key=len, reverse=True)
    for page in files:
        text = text_of(page.name, page.read_bytes())
        assert "Why:" in text  # the verdict and explanation are the point of the feedback
        assert leaks(text, {**key_literals(), **{m: f"marker {m!r}" for m in MARKERS}}) == [], page
        for t in own:  # the student's own items' explanations: in their verdicts, as they should be
            text = text.replace(t, "")
        assert leaks(text, key_prose()) == [], page


def released_copy(path: Path, feedback: Path, name: str) -> bool:
    """Whether a feedback file is a byte-for-byte copy of a released file (another article's public part)."""
    rel = path.relative_to(feedback).parts[2:]  # student/assignment/...
    released = ROOT / "exercises" / name / Path(*rel) if rel else None
    return bool(released and path.suffix != ".html" and released.is_file()
                and path.read_bytes() == released.read_bytes())


def student_side_modules() -> list[Path]:
    """The newslit modules a student's kernel loads: those the released notebooks import, and grading."""
    wanted = {"newslit.grading"}
    for path in (ROOT / "exercises").glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            try:
                tree = ast.parse(cell.source) if cell.cell_type == "code" else None
            except SyntaxError:
                continue
            for node in ast.walk(tree) if tree else ():
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("newslit"):
                    wanted.add(node.module)
                elif isinstance(node, ast.Import):
                    wanted.update(a.name for a in node.names if a.name.startswith("newslit"))
    code = (f"import importlib, sys\nfor m in {sorted(wanted)!r}: importlib.import_module(m)\n"
            "print('\\n'.join(sorted(m.__file__ for n, m in sys.modules.items() if n.split('.')[0] == 'newslit')))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return [Path(p) for p in out.split()]


WRITERS = {"write_text", "write_bytes", "to_csv", "to_json", "to_excel", "to_pickle", "savefig", "mkstemp",
           "NamedTemporaryFile"}
MODULE_WRITERS = {("os", "rename"), ("os", "replace"), ("shutil", "copy"), ("shutil", "copyfile"),
                  ("shutil", "move"), ("json", "dump"), ("pickle", "dump"), ("nbformat", "write")}


def file_writes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id == "open":
            mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            if not (isinstance(mode, ast.Constant) and set(str(mode.value)) <= set("rbt")) and mode is not None:
                found.append(f"{path.name}:{node.lineno} open(..., {ast.unparse(mode)})")
        elif isinstance(f, ast.Attribute) and (f.attr in WRITERS or (
                isinstance(f.value, ast.Name) and (f.value.id, f.attr) in MODULE_WRITERS)):
            found.append(f"{path.name}:{node.lineno} {ast.unparse(f)}(...)")
    return found


def test_no_answer_is_written_to_a_file_outside_the_notebook():
    """Answers live only in the notebook's own source (the recorded= literal, written by the frontend
    through set_next_input). Student-side code writes no file, so there is no answer file whose
    writes would need to be atomic; if one is ever added, write a temp file and os.replace() it."""
    modules = student_side_modules()
    assert {"grading.py", "widgets.py", "check.py", "answers.py"} <= {p.name for p in modules}
    assert {str(p): w for p in modules if (w := file_writes(p))} == {}


def test_the_scan_finds_a_planted_leak():
    nb = load("ex1").notebook()
    (prose, where), (literal, cell) = list(key_prose().items())[-1], next(iter(key_literals().items()))
    nb.cells.append(nbformat.v4.new_markdown_cell(f"Hint: {prose}"))
    nb.cells.append(nbformat.v4.new_code_cell(f"key = {literal}"))
    text = text_of("x.ipynb", nbformat.writes(nb).encode())
    assert {where, cell} <= set(leaks(text, {**key_prose(), **key_literals()}))
