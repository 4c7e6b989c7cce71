"""The sandbox a student's kernel runs in while grading (newslit/sandbox.py), tested on one kernel.

One notebook of probes runs in a SandboxedKernelManager kernel configured like nbgrader_config.py
(a course in a temporary folder, its gradebook beside it); the test process listens on 127.0.0.1
and looks at the host afterwards. Skipped where bubblewrap cannot run (the log warning is tested).
"""

import hashlib
import logging
import os
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest
from harness import ROOT, need_sandbox
from nbclient import NotebookClient
from traitlets.config import Config

import newslit
from newslit import sandbox
from newslit.sandbox import SandboxedKernelManager

MARK = "newslit-sandbox-test-"


def run_cells(course: Path, cells: list[str], **config) -> list[str]:
    """Run ``cells`` in one sandboxed kernel in the course's autograded folder; each cell's text output."""
    c = Config()
    c.CourseDirectory.root = str(course)
    c.CourseDirectory.autograded_directory = "grading/autograded"
    c.CourseDirectory.db_url = "sqlite:///" + str(course / "grading" / "gradebook.db")
    for k, v in config.items():
        setattr(c.SandboxedKernelManager, k, v)
    cwd = course / "grading" / "autograded" / "s1" / "ex1"
    cwd.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in cells])
    NotebookClient(nb, kernel_manager_class=SandboxedKernelManager, config=c, kernel_name="python3", timeout=30,
                   allow_errors=True, shutdown_kernel="immediate", resources={"metadata": {"path": str(cwd)}}).execute()
    return ["".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") + o.get("ename", "")
                    for o in cell.outputs) for cell in nb.cells]


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    need_sandbox()
    course = tmp_path_factory.mktemp("sandbox") / "course"
    (course / "grading").mkdir(parents=True)
    (course / "grading" / "gradebook.db").write_text("grades")
    (course / "nbgrader_config.py").write_text("# course root\n")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()
    package = Path(newslit.__file__).parent / "grading.py"
    before = hashlib.sha256(package.read_bytes()).hexdigest()
    key = ROOT / "data" / "key" / "claims.csv"
    probes = {
        "key": f"print(open({str(key)!r}).read()[:20])",
        "gradebook": f"print(open({str(course / 'grading' / 'gradebook.db')!r}).read())",
        "grading": f"import os; print(os.listdir({str(course / 'grading')!r}))",
        "public": "from newslit import data; print(len(data.article_text()), len(data.load('claims')))",
        "package": f"open({str(package)!r}, 'a').write('# poisoned')",
        "course": f"open({str(course / 'poison.txt')!r}, 'w').write('x')",
        "cwd": "import os; open('notes.html', 'w').write('x'); print(os.listdir('.'), os.getcwd())",
        "home": "import os; print(os.environ['HOME'], sorted(os.environ))",
        "network": f"import socket; socket.create_connection(('127.0.0.1', {listener.getsockname()[1]}), timeout=2)",
        "daemon": (f"import subprocess\nsubprocess.Popen(['sleep', '{MARK}1000'.split('-')[-1] + '.{os.getpid()}'], "
                   "start_new_session=True)\nprint('started')"),
        "fork": ("import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
                 "            while True:\n                time.sleep(1)\n        n += 1\nexcept OSError as e:\n"
                 "    print('stopped after', n, type(e).__name__)"),
        "memory": "x = []\nwhile True:\n    x.append(bytearray(100_000_000))",
        "after": "del x; print('still alive')",
    }
    start = time.monotonic()
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as nbgrader sets it while grading
    try:
        outputs = dict(zip(probes, run_cells(course, list(probes.values())), strict=True))
    finally:
        del os.environ["NBGRADER_EXECUTION"]
    seconds = time.monotonic() - start
    time.sleep(0.5)
    stop.set()
    after = hashlib.sha256(package.read_bytes()).hexdigest()
    return {"out": outputs, "course": course, "accepted": accepted, "package_same": before == after,
            "seconds": seconds}


def test_kernel_cannot_read_the_key_the_gradebook_or_grading_folders(probed):
    out = probed["out"]
    assert "FileNotFoundError" in out["key"] and "claim_id" not in out["key"]
    assert out["gradebook"] in ("FileNotFoundError", "PermissionError")  # hidden under /dev/null, unreadable
    # only the empty mount points of its own working folder and the hidden gradebook
    assert set(eval(out["grading"])) <= {"autograded", "gradebook.db"}


def test_kernel_still_reads_the_public_data_and_the_package(probed):
    n_chars, n_claims = map(int, probed["out"]["public"].split())
    assert n_chars > 1000 and n_claims > 10


def test_kernel_cannot_write_the_package_or_the_course(probed):
    assert probed["out"]["package"] in ("OSError", "PermissionError") and probed["package_same"]
    assert probed["out"]["course"] in ("OSError", "PermissionError", "FileNotFoundError") and not (probed["course"] / "poison.txt").exists()


def test_what_the_kernel_writes_in_its_folder_is_thrown_away(probed):
    assert "notes.html" in probed["out"]["cwd"]
    assert not list(probed["course"].rglob("notes.html"))


def test_home_is_in_tmpfs_and_the_environment_is_cleared(probed):
    home, names = probed["out"]["home"].split(" ", 1)
    assert home == sandbox.HOME
    assert "PYTEST_CURRENT_TEST" not in names and "NEWSLIT_TEST_PG_URL" not in names
    assert "NBGRADER_EXECUTION" in names  # the course's code knows it is graded (builds no widgets)


def test_kernel_has_no_network(probed):
    assert "ConnectionRefusedError" in probed["out"]["network"] or "OSError" in probed["out"]["network"]
    assert probed["accepted"] == []


def test_fork_and_memory_bombs_stop_at_the_limits_and_the_kernel_lives_on(probed):
    assert "stopped after" in probed["out"]["fork"] and "BlockingIOError" in probed["out"]["fork"]
    assert "MemoryError" in probed["out"]["memory"]
    assert "still alive" in probed["out"]["after"]


def test_kernel_and_all_its_processes_are_dead_after_shutdown(probed):
    assert "started" in probed["out"]["daemon"]
    left = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if f"1000.{os.getpid()}".encode() in cmdline:
            left.append(proc.name)
    assert left == []


def test_kernel_start_up_cost(probed):
    """The whole probe notebook, bombs included, runs in one kernel in well under the cell timeout."""
    assert probed["seconds"] < 30


def test_unsandboxed_grading_warns_once_and_still_runs(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "bwrap not found (test)")
    monkeypatch.setattr(sandbox, "_warned", set())
    caplog.set_level(logging.WARNING)
    first = run_cells(tmp_path, ["print(1 + 1)"])
    second = run_cells(tmp_path, ["print(2 + 2)"])
    assert first == ["2\n"] and second == ["4\n"]
    warnings = [r.getMessage() for r in caplog.records if "NOT sandboxed" in r.getMessage()]
    assert len(warnings) == 1 and "bwrap not found (test)" in warnings[0] and "data/key/" in warnings[0]


def test_the_course_config_runs_the_sandboxed_execute_step():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    assert sandbox.not_sandboxed(config) == sandbox.unavailable()
    config.SandboxedKernelManager.sandbox = False
    assert "turned off" in sandbox.not_sandboxed(config)


def test_newslit_grade_says_once_when_kernels_are_not_sandboxed(tmp_path, monkeypatch, capsys):
    from harness import make_course

    from newslit import cli
    from newslit.classroom import Course

    course = Course(make_course(tmp_path))
    monkeypatch.setattr(cli, "export_all", lambda *a: {})  # nothing is graded: no exports, no summary
    monkeypatch.setattr(cli, "print_summary", lambda *a: None)
    monkeypatch.setattr(sandbox, "unavailable", lambda: "bwrap not found (test)")
    cli.grade_course(course, course.assignments(), quiet=True)
    err = capsys.readouterr().err
    assert err.count("NOT sandboxed") == 1 and "bwrap not found (test)" in err
    monkeypatch.setattr(sandbox, "unavailable", lambda: None)
    cli.grade_course(course, course.assignments(), quiet=True)
    assert "NOT sandboxed" not in capsys.readouterr().err


def test_python_installed_under_tmp_is_shown_again(tmp_path, monkeypatch):
    """A course tried from a clone in /tmp: its venv lies under the tmpfs that hides /tmp, and must stay visible
    (before, every kernel of `newslit demo` died with 'failed to execute .../python3')."""
    venv = Path("/tmp") / f"{MARK}venv-{os.getpid()}"
    (venv / "lib").mkdir(parents=True, exist_ok=True)
    try:
        monkeypatch.setattr(sandbox.sys, "prefix", str(venv))
        c = Config()
        c.CourseDirectory.root = str(tmp_path)
        manager = SandboxedKernelManager(config=c)
        manager._private, manager._cwd = str(tmp_path / "ipc"), str(tmp_path / "work")
        args = manager.mounts()
        binds = [args[i + 1] for i, a in enumerate(args) if a == "--ro-bind"]
        assert str(venv.resolve()) in binds
        assert args.index("/tmp") < args.index(str(venv.resolve()))  # shown again after /tmp was hidden
        assert "/tmp" not in binds  # /tmp itself stays hidden: only what Python needs
    finally:
        (venv / "lib").rmdir()
        venv.rmdir()
