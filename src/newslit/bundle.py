"""The student bundle: the package wheel, the lessons and the released exercises, and nothing of the key.

Students should not get this repository: it is the instructor's side (data/key/, solutions/ and
docs/answer-key.md hold the answers). ``newslit bundle`` writes the one file to hand out instead.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

FOLDER = "newslit-student"
README = """# Reading one news article like a fact-checker (student copy)

You need Python 3.11, 3.12 or 3.13 (on Debian or Ubuntu, also the `python3-venv` package). Open a
terminal in this folder (the one that holds this README, `lessons/` and `exercises/`) and type two
commands: the first installs the course (once), the second starts JupyterLab on this folder, with the
lessons and the exercises side by side.

    python3 -m venv .venv && .venv/bin/pip install {wheel}
    .venv/bin/newslit-student

On Windows, in Command Prompt: `py -m venv .venv && .venv\\Scripts\\pip install {wheel}`, then
`.venv\\Scripts\\newslit-student`. Next time you only need the second command. For Notebook 7 instead of
JupyterLab: `.venv/bin/newslit-student notebook`.

- `lessons/`: four ungraded lessons, 20-25 minutes each; start with 01. Practice items tell you at once
  whether you are right and why.
- `exercises/`: the graded exercises (keep each exercise's folder together: exercise 4 reads its article
  from the `article/` folder beside it). Run all cells and answer in the forms: each answer is written
  into the form cell as `recorded={{...}}`, and only recorded answers are graded. If a form says NOT
  RECORDED YET (after a page reload, or in an editor without the course's extension), re-run the form
  cell (Shift+Enter).
- Before you hand in an exercise, run its last cell, **Before you submit**: it lists, form by form, every item
  that is unanswered, invalid or not recorded. (nbgrader's Validate button only re-runs the notebook the way
  the grader will; it does not check your answers.) Then save, and hand in the .ipynb file the way your
  instructor tells you.
"""


class BundleError(RuntimeError):
    """The bundle could not be built (the message says why)."""


def build(root: Path, dest: Path) -> Path:
    """Write ``dest/newslit-student.zip`` from the course repository at ``root``; return its path."""
    root, dest = Path(root).resolve(), Path(dest).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp, str(root)],
                              capture_output=True, text=True)
        wheels = list(Path(tmp).glob("newslit-*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            raise BundleError(f"building the wheel failed:\n{proc.stderr[-2000:]}")
        files = [p for folder, pattern in (("lessons", "*.ipynb"), ("exercises", "*")) for p in
                 sorted((root / folder).rglob(pattern)) if p.is_file() and ".ipynb_checkpoints" not in p.parts]
        if not any(p.suffix == ".ipynb" and p.parts[-3] == "exercises" for p in files):
            raise BundleError(f"no released exercises in {root / 'exercises'}: run nbgrader generate_assignment")
        dest.mkdir(parents=True, exist_ok=True)
        out = dest / f"{FOLDER}.zip"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(wheels[0], f"{FOLDER}/{wheels[0].name}")
            for p in files:  # an exercise on another article carries its article/ folder (public part only)
                z.write(p, f"{FOLDER}/{p.relative_to(root).as_posix()}")
            z.writestr(f"{FOLDER}/README.md", README.format(wheel=wheels[0].name))
    return out
