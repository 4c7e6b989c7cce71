"""Lint is part of the test command: ruff must be clean on the package and tests."""

import shutil
import subprocess

import pytest
from harness import ROOT


@pytest.mark.skipif(shutil.which("ruff") is None and not (ROOT / ".venv/bin/ruff").exists(), reason="ruff not installed")
def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(ROOT / ".venv/bin/ruff")
    proc = subprocess.run([ruff, "check", "src", "tests", "nbgrader_config.py"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
