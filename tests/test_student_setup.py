"""Set-up for students: the bundle README's two commands, run verbatim in a fresh folder, start a server
that shows the lessons and the exercises and hides nbgrader's instructor panels."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from harness import ROOT

from newslit import bundle, student_lab

INSTRUCTOR_PLUGINS = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:menu"}


def commands(readme: str) -> list[str]:
    """The shell commands of a README: its first indented (or fenced bash) block, one per line."""
    fenced = re.search(r"```bash\n(.*?)```", readme, re.S)
    block = fenced.group(1) if fenced else re.search(r"\n\n((?: {4}\S.*\n)+)", readme).group(1)
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_the_student_config_disables_exactly_the_instructor_tools():
    page = json.loads((student_lab.CONFIG / "labconfig" / "page_config.json").read_text())
    assert set(page["disabledExtensions"]) == INSTRUCTOR_PLUGINS and all(page["disabledExtensions"].values())
    server = json.loads((student_lab.CONFIG / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == {"nbgrader.server_extensions.formgrader": False}


def test_the_readmes_start_jupyter_on_the_folder_that_holds_lessons_and_exercises():
    repo = commands((ROOT / "README.md").read_text())
    assert repo == ["python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/jupyter lab"]  # from the root
    student = commands(bundle.README.format(wheel="newslit-0.1.0-py3-none-any.whl"))
    assert student == ["python3 -m venv .venv && .venv/bin/pip install newslit-0.1.0-py3-none-any.whl",
                       ".venv/bin/newslit-student"]
    assert "type two commands" in " ".join(bundle.README.split())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=10) as r:
        return r.status, r.read().decode()


@pytest.mark.slow
def test_the_bundle_readme_commands_run_verbatim_in_a_fresh_folder(tmp_path):
    """About two minutes: builds the zip, installs the wheel into a new venv, starts the server."""
    zipfile.ZipFile(bundle.build(ROOT, tmp_path / "dist")).extractall(tmp_path)
    folder = tmp_path / bundle.FOLDER
    install, start = commands((folder / "README.md").read_text())
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "JUPYTER_CONFIG_PATH", "NBGRADER_EXECUTION")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(sys.prefix))
    subprocess.run(install, shell=True, cwd=folder, env=env, check=True, capture_output=True)

    port, token = _free_port(), "newslit-test"
    flags = f" --no-browser --port={port} --IdentityProvider.token={token}" + (" --allow-root" if os.geteuid() == 0 else "")
    server = subprocess.Popen(start + flags, shell=True, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                time.sleep(0.5)
        status, body = _get(f"{base}/api/contents?token={token}")
        assert {"lessons", "exercises"} <= {c["name"] for c in json.loads(body)["content"]}
        status, page = _get(f"{base}/lab?token={token}")
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      page, re.S).group(1))
        assert INSTRUCTOR_PLUGINS <= set(config["disabledExtensions"])
        assert "@jupyter/nbgrader:validate-assignment" not in config["disabledExtensions"]
        with pytest.raises(urllib.error.HTTPError) as err:
            _get(f"{base}/formgrader?token={token}")
        assert err.value.code == 404
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    assert (folder / ".venv" / "bin" / "newslit-student").exists()
    assert Path(folder / ".venv" / "pyvenv.cfg").read_text().count("include-system-site-packages = false") == 1
