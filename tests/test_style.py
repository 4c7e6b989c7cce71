"""Lint is part of the test command: ruff (a test dependency) must be clean on the package and tests."""

import subprocess
import sys

from harness import ROOT


def test_ruff_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "nbgrader_config.py"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
