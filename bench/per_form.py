"""Would one grade cell per form, instead of one per item, make grading faster?

    .venv/bin/python bench/per_form.py [--exercise ex1] [--repeats 4] [--k 11]     (about 5 min)

Grades, in one temporary course and in turn, the trivial notebook, the exercise's empty twin
(every code cell ``pass``, one grade cell per item) and a per-form twin (the same, but only the first
grade cell of each form kept), and prints the marginal wall and CPU seconds per submission as
section A of bench/run.py does. Only the notebook's shape is compared: no course code runs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (bench/run.py, beside this file)


def per_form_source(exercise: str) -> nbformat.NotebookNode:
    """The empty twin with one grade cell per form (the first of each ``qid``) instead of one per item."""
    nb = nbformat.read(bench.ROOT / "solutions" / exercise / f"{exercise}.ipynb", as_version=4)
    kept, forms = [], set()
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            qid = re.search(r"qid='([^']+)'", cell.source).group(1)
            if qid in forms:
                continue
            forms.add(qid)
        if cell.cell_type == "code":
            cell.source = "pass"
            cell.metadata.pop("newslit", None)
        kept.append(cell)
    nb.cells = kept
    return nb


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--exercise", default="ex1", choices=bench.EXERCISES)
    p.add_argument("--repeats", type=int, default=4)
    p.add_argument("--k", type=int, default=11, help="submissions in the N=k run: the effect is small, so the default is larger than bench/run.py's")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="newslit-per-form-"))
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    try:
        course = bench.make_course(tmp / "course", [args.exercise])
        name = f"{args.exercise}-per-form"
        (course / "solutions" / name).mkdir()
        nbformat.write(per_form_source(args.exercise), course / "solutions" / name / f"{name}.ipynb")
        bench.nbgrader(course, "generate_assignment", name, "--force")
        rows = bench.bench_marginal(course, ["trivial", bench.shape_name(args.exercise), name], args.k, args.repeats)
        print(bench.table(["assignment", "code cells", "grade cells", "wall s/sub", "vs trivial", "CPU s/sub",
                           "CPU vs trivial"],
                          [[r["assignment"], r["code cells"], r["grade cells"], f"{r['marginal']:.3f}",
                            f"{r['ratio']:.2f}x", f"{r['cpu marginal']:.3f}", f"{r['cpu ratio']:.2f}x"] for r in rows]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
