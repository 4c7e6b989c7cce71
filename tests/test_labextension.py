"""The newslit-recorder front-end extension: its committed build matches its sources, the wheel ships
it where JupyterLab and Notebook 7 find it, and the installed package has it enabled."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from harness import ROOT

EXT = ROOT / "labextension"
NAME = "newslit-recorder"


def _manifest_module():
    spec = importlib.util.spec_from_file_location("labextension_manifest", EXT / "manifest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_build_is_the_build_of_the_committed_sources():
    """build-manifest.json (written by `npm run build`) names the sources and the output of one build."""
    recorded = json.loads((EXT / "build-manifest.json").read_text())
    now = _manifest_module().manifest()
    assert now["sources"] == recorded["sources"], "labextension/ changed since the last build: run `npm run build` there"
    assert now["built"] == recorded["built"], "src/newslit/labextension differs from its build: run `npm run build`"
    built = json.loads((ROOT / "src" / "newslit" / "labextension" / "package.json").read_text())
    assert built["name"] == NAME and (ROOT / "src/newslit/labextension" / built["jupyterlab"]["_build"]["load"]).is_file()


@pytest.mark.slow
def test_a_rebuild_from_the_sources_gives_the_committed_files():
    """Where Node.js and labextension/node_modules are present, rebuild in place (as `npm run build` does):
    the output must be byte for byte the committed one (module ids depend on the build's location, so not
    in a copy). A build that differs is left in the work tree for `git diff`."""
    if shutil.which("node") is None or not (EXT / "node_modules").is_dir():
        pytest.skip("needs Node.js and `npm ci` in labextension/ (the committed build is checked without them)")
    subprocess.run([str(EXT / "node_modules" / ".bin" / "tsc")], check=True, cwd=EXT)
    subprocess.run([str(Path(sys.executable).parent / "jupyter-builder"), "build", "--development", "false", "."],
                   check=True, cwd=EXT, capture_output=True)
    assert _manifest_module().manifest() == json.loads((EXT / "build-manifest.json").read_text())


@pytest.mark.slow
def test_the_wheel_ships_the_built_extension_and_no_node_is_needed(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("newslit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shared = f"newslit-0.1.0.data/data/share/jupyter/labextensions/{NAME}/"
    built = _manifest_module().manifest()["built"]
    assert {shared + rel for rel in built} <= names
    assert not [n for n in names if n.startswith("newslit/labextension/")], "shipped twice"
    assert not [n for n in names if n.endswith(".ts") or "node_modules" in n]


@pytest.mark.slow
def test_jupyter_lists_the_extension_enabled():
    out = subprocess.run([sys.executable, "-m", "jupyterlab.labextensions", "list"], capture_output=True, text=True)
    line = next((ln for ln in (out.stdout + out.stderr).splitlines() if NAME in ln), "")
    assert "enabled" in line and "OK" in line, out.stdout + out.stderr
