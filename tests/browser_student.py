"""A student in a real browser: a loopback Jupyter server, headless Chromium, and the clicks.

``JupyterServer`` runs ``jupyter lab`` on 127.0.0.1 with a token and every Jupyter directory
(config, settings, workspaces, runtime, data, HOME) inside a temporary folder, optionally with
front-end extensions disabled. ``Student`` drives one notebook page in JupyterLab ("lab") or
Notebook 7 ("nb7") through the UI only: menus, widget controls, keys, Shift+Enter in a cell, the
toolbar's save button, a page reload; ``axe()`` runs axe-core (vendored: tests/vendor/axe.min.js). ``Processes`` stops everything a
test started, by pid and process group, including kernels (which run in their own sessions).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NEWSLIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Settings that keep the UI quiet and deterministic (no news toast, no update check, no network).
SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False}}
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.11.1 (npm), MPL-2.0


def require_browser() -> str:
    """Chromium's path; skip locally when it or Playwright is missing, but fail under CI=true."""
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the Python package 'playwright' is not installed")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set NEWSLIT_CHROMIUM)")
    if problems:
        reason = "browser test needs a browser: " + "; ".join(problems)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " (CI=true: a missing browser is a failure, not a skip)", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


# ------------------------------------------------------------------------------------ processes

def _parents() -> dict[int, int]:
    """{pid: parent pid} of every process visible in /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            out[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def descendants(pid: int) -> list[int]:
    parents = _parents()
    found, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        found += kids
        frontier += kids
    return found


def _alive(pid: int) -> bool:
    """Running and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _signal(pid: int, sig):
    try:
        if os.getpgid(pid) == pid:  # a group leader (server, kernel): signal its whole group
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Processes:
    """Everything started below this test process after construction; ``stop()`` ends it all."""

    def __init__(self):
        self.before = set(descendants(os.getpid()))

    def new(self) -> list[int]:
        """Live (not zombie) processes started since construction."""
        return [p for p in descendants(os.getpid()) if p not in self.before and _alive(p)]

    def stop(self, grace: float = 5.0) -> list[int]:
        """SIGTERM each new process (its group if it leads one), then SIGKILL what is left.

        Returns the pids that needed SIGKILL.
        """
        killed = []
        pids = self.new()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in pids:
                _signal(pid, sig)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and any(_alive(p) for p in pids):
                time.sleep(0.1)
            pids = [p for p in pids if _alive(p)]
            if not pids:
                break
            killed = list(pids)
        return killed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------- server

class JupyterServer:
    """``jupyter lab`` on loopback with a token; Notebook 7's /notebooks is served by the same server."""

    def __init__(self, base: Path, root_dir: Path, disabled: tuple[str, ...] = ()):
        self.base, self.root_dir, self.disabled = base, root_dir, disabled
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.log = base / "server.log"
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict:
        dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTERLAB_SETTINGS_DIR": "settings",
                "JUPYTERLAB_WORKSPACES_DIR": "workspaces", "JUPYTER_RUNTIME_DIR": "runtime",
                "JUPYTER_DATA_DIR": "data", "HOME": "home", "IPYTHONDIR": "home/.ipython"}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "NBGRADER"))}
        for var, sub in dirs.items():
            (self.base / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.base / sub)
        env["JUPYTER_PLATFORM_DIRS"] = "1"
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        return env

    def start(self, timeout: float = 60.0):
        self.base.mkdir(parents=True, exist_ok=True)
        env = self.env()
        for rel, value in SETTINGS.items():
            path = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        if self.disabled:  # what `jupyter labextension disable --level=user` writes, for Lab and Notebook 7
            page_config = Path(env["JUPYTER_CONFIG_DIR"]) / "labconfig" / "page_config.json"
            page_config.parent.mkdir(parents=True, exist_ok=True)
            page_config.write_text(json.dumps({"disabledExtensions": {name: True for name in self.disabled}}))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
               "--ServerApp.allow_remote_access=False"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.base / "home", env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        # If the port was taken meanwhile the server tries the next ones; it writes the one it got here.
        info = Path(env["JUPYTER_RUNTIME_DIR"]) / f"jpserver-{self.proc.pid}.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                self.port = json.loads(info.read_text())["port"]
                self.api("/api/status")
                return self
            except (OSError, ValueError, KeyError):
                time.sleep(0.2)
        raise RuntimeError(f"jupyter server not ready after {timeout:g}s:\n{self.log.read_text()}")

    def stop(self, grace: float = 10.0):
        """SIGTERM the server's process group (it shuts its kernels down), SIGKILL after ``grace``; reap it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        _signal(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            _signal(self.proc.pid, signal.SIGKILL)
            self.proc.wait(grace)

    def api(self, path: str):
        with urllib.request.urlopen(self.url(path), timeout=10) as r:
            return json.load(r)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}?token={self.token}"


# --------------------------------------------------------------------------------------- browser

class Browser:
    """Headless Chromium with a fresh profile; ``close()`` ends it and Playwright's driver."""

    def __init__(self, profile: Path):
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self.context = self._pw.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 1000})
        except Exception:
            self._pw.stop()
            raise
        self.context.set_default_timeout(20_000)

    def close(self):
        try:
            self.context.close()
        finally:
            self._pw.stop()


class Student:
    """One notebook page, driven the way a student does it, in JupyterLab ("lab") or Notebook 7 ("nb7")."""

    def __init__(self, browser: Browser, server: JupyterServer, ui: str, rel_path: str, shots: Path):
        self.ui, self.rel_path, self.shots, self.server = ui, rel_path, shots, server
        self.file = server.root_dir / rel_path
        self.page = browser.context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        prefix = "/lab/tree/" if ui == "lab" else "/notebooks/"
        self.page.goto(server.url(prefix + rel_path))
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        self.kernel_ready()

    def reload(self):
        """Reload the page (the kernel keeps running) and wait for the notebook and its kernel."""
        self.page.reload()
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        self.kernel_ready()

    def shot(self, name: str):
        self.shots.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.shots / f"{self.ui}-{name}.png"))

    # -- kernel and menus
    def kernel_ready(self, timeout: float = 60.0):
        """Wait until this notebook's kernel is connected and idle.

        The execution indicator (Lab 4 and Notebook 7) says "idle" for a moment before any kernel
        exists, and Run All in that moment silently does nothing; so also wait for the server to
        report an idle kernel in this notebook's session.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = [s["kernel"]["execution_state"] for s in self.server.api("/api/sessions")
                      if s["path"] == self.rel_path and s.get("kernel")]
            if states == ["idle"] and self.page.locator(
                    ".jp-Notebook-ExecutionIndicator[data-status='idle']").count():
                return
            time.sleep(0.1)
        raise AssertionError(f"{self.ui}: no idle kernel for {self.rel_path} after {timeout:g}s")

    def menu(self, top: str, item: str):
        self.page.locator(f".lm-MenuBar-itemLabel:text-is('{top}')").click()
        self.page.locator(f".lm-Menu-itemLabel:text-is('{item}')").click()

    def run_all(self):
        self.menu("Run", "Run All Cells")

    def restart_run_all(self):
        self.menu("Kernel", "Restart Kernel and Run All Cells…")
        self.page.locator(".jp-Dialog button:has-text('Restart')").click()

    # -- cells
    def cell_with(self, text: str):
        """The code cell whose source contains ``text`` (must be exactly one)."""
        cells = self.page.locator(".jp-Notebook .jp-CodeCell").filter(
            has=self.page.locator(".jp-InputArea-editor", has_text=text))
        cells.first.wait_for(state="attached")
        n = cells.count()
        assert n == 1, f"{n} code cells contain {text!r}"
        return cells.first

    def cell_types(self) -> list[str]:
        """The type of every cell on the page, in order ("code", "markdown", "raw")."""
        return self.page.evaluate("() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => "
                                  "['Code', 'Markdown', 'Raw'].find(t => c.classList.contains(`jp-${t}Cell`)))"
                                  ".map(t => t ? t.toLowerCase() : '?')")

    def source_of(self, cell) -> str:
        """The cell's text as the editor holds it (one CodeMirror line per line)."""
        cell.scroll_into_view_if_needed()
        return "\n".join(cell.locator(".cm-content .cm-line").all_text_contents())

    def see(self, locator, text: str, timeout: float = 30_000):
        """Wait until ``locator`` contains ``text`` (Playwright's expect, with room for a busy machine)."""
        from playwright.sync_api import expect

        expect(locator).to_contain_text(text, timeout=timeout)

    def wait_output(self, cell, text: str, timeout: float = 60_000):
        cell.locator(".jp-OutputArea", has_text=text).wait_for(timeout=timeout)

    def rerun(self, cell):
        """Put the cursor in the cell's editor and press Shift+Enter (what the notebook tells students)."""
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Shift+Enter")

    # -- widgets
    def choose(self, qid: str, item: str, label: str):
        self.page.locator(f".nl-{qid}-{item} select").select_option(label=label)

    def type_text(self, qid: str, item: str, text: str):
        """Type into a text box and press Tab: the box sends its value on Enter or when it loses focus."""
        box = self.page.locator(f".nl-{qid}-{item} input")
        box.fill(text)
        box.press("Tab")

    def status(self, qid: str):
        """The form's status line (the last HTML widget directly in the form box)."""
        return self.page.locator(f".nl-form-{qid} > .widget-html").last

    def banner(self, qid: str):
        """The line at the top of the form (empty unless something is not recorded)."""
        return self.page.locator(f".nl-form-{qid} > .widget-html").first

    def mark(self, qid: str, item: str):
        """What the form says beside an item's control: recorded or not."""
        return self.page.locator(f".nl-form-{qid} .widget-hbox:has(.nl-{qid}-{item}) > .widget-html")

    def axe(self, selector: str) -> list[dict]:
        """axe-core's violations within the elements matching ``selector`` (none may be missing)."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(path=str(AXE))
        assert self.page.locator(selector).count(), f"nothing matches {selector}"
        return self.page.evaluate("async sel => (await axe.run(document.querySelectorAll(sel))).violations"
                                  ".map(v => ({id: v.id, impact: v.impact, help: v.help, "
                                  "nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))",
                                  selector)

    def shown(self, qid: str, item: str) -> str:
        """What a control shows: the selected option's text (ipywidgets renders spaces as NBSP) or the input's value."""
        control = self.page.locator(f".nl-{qid}-{item}").locator("select, input").first
        return control.evaluate("e => e.tagName === 'SELECT' ? e.selectedOptions[0].textContent.replace(/\\u00a0/g, ' ')"
                                " : e.value")

    # -- saving
    def save(self, timeout: float = 20.0):
        """Click the toolbar's save button (Ctrl+S is ignored while a widget input has focus); wait for the file."""
        before = self.file.stat().st_mtime_ns
        self.page.locator(".jp-NotebookPanel-toolbar [data-command='docmanager:save']").click()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.file.stat().st_mtime_ns != before:
                time.sleep(0.2)  # let the server finish writing
                return
            time.sleep(0.1)
        raise AssertionError(f"{self.ui}: the save button did not write {self.file} within {timeout:g}s")

    def close(self):
        self.page.close()


def keep_artifacts(dest: Path, sources: dict[str, Path]):
    """Copy screenshots, logs and notebooks to ``dest`` under the given names (replacing older ones)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True, exist_ok=True)
    for name, src in sources.items():
        if src.is_dir():
            shutil.copytree(src, dest / name, dirs_exist_ok=True)
        elif src.is_file():
            shutil.copy2(src, dest / name)
