"""Benchmark: what the course adds to grading and lesson time, on this machine, in one run.

    .venv/bin/python bench/run.py            full run (about 20 min on 2 cores)
    .venv/bin/python bench/run.py --quick    smoke run (about 3 min): small class, fewer repeats

Prints one report (see bench/README.md for what each number means):
  A. marginal ``nbgrader autograde`` seconds per submission for each exercise vs a trivial
     2-cell notebook graded in the same run (one nbgrader process, N=1 vs N=k submissions), and vs
     the exercise's empty twin (same cells, every code cell ``pass``);
  B. wall time of the instructor command ``newslit grade <ex>`` for a synthetic class, 1 and 2 workers;
  C. executing every lesson in a fresh kernel (nbclient);
  D. import time of the course modules in a fresh interpreter.

Everything runs in a temporary course (grading never touches the repository). Python's bytecode
cache is switched on in a temporary folder (PYTHONPYCACHEPREFIX), as in any pip install; pass
--no-bytecode-cache to keep this environment's PYTHONDONTWRITEBYTECODE as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
EXERCISES = [p.name for p in sorted((ROOT / "solutions").iterdir()) if re.fullmatch(r"ex\d+", p.name)]
MODULES = ("newslit.claims", "newslit.widgets", "newslit.estimates", "newslit.sources", "newslit.grading")
TARGET_RATIO, TARGET_CLASS_S, TARGET_LESSONS_S = 1.3, 90.0, 30.0


def log(msg: str):
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.2f}] {msg}", file=sys.stderr, flush=True)


def env(**changes) -> dict:
    e = {**os.environ, "PYTHONWARNINGS": "ignore", "PATH": str(Path(PY).parent) + os.pathsep + os.environ["PATH"]}
    for k, v in changes.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    return e


def run(cmd: list[str], cwd: Path, check: bool = True, **env_changes) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env(**env_changes), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds, proc


def nbgrader(course: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    return run([PY, "-m", "nbgrader", *args], course)


# ------------------------------------------------------------------ a temporary course

def trivial_source() -> nbformat.NotebookNode:
    """The baseline: one answer cell and one test cell, no imports."""
    def meta(grade_id, solution, grade, locked, points=None):
        m = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked, "schema_version": 3}
        if points is not None:
            m["points"] = points
        return {"nbgrader": m}

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION",
                                          metadata=meta("answer", True, False, False)),
                nbformat.v4.new_code_cell("assert answer == 42", metadata=meta("test", False, True, True, 1))]
    return nb


def shape_source(assignment: str) -> nbformat.NotebookNode:
    """An exercise's empty twin: the same cells and nbgrader metadata, every code cell ``pass``.

    Graded beside the exercise, it separates what the notebook's shape costs (one kernel round trip
    and nbgrader's bookkeeping per cell) from what the course's own code costs.
    """
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = "pass"
            cell.metadata.pop("newslit", None)
    return nb


def shape_name(assignment: str) -> str:
    return f"{assignment}-shape"


def assignments(exercises: list[str]) -> list[str]:
    """What section A grades: the trivial notebook, then each exercise's empty twin and the exercise."""
    return ["trivial", *[a for ex in exercises for a in (shape_name(ex), ex)]]


def make_course(dest: Path, exercises: list[str]) -> Path:
    """A copy of the course (as tests/harness.make_course) plus the trivial and shape assignments, released."""
    from newslit import personas

    personas.copy_course(ROOT, dest)
    extra = {"trivial": trivial_source(), **{shape_name(ex): shape_source(ex) for ex in exercises}}
    for name, nb in extra.items():
        (dest / "solutions" / name).mkdir()
        nbformat.write(nb, dest / "solutions" / name / f"{name}.ipynb")
    for a in assignments(exercises):  # release (and register in the gradebook) every assignment
        nbgrader(dest, "generate_assignment", a, "--force")
    return dest


def submissions(course: Path, assignment: str, persona_names: list[str]) -> dict[str, nbformat.NotebookNode]:
    """{persona: filled-in notebook} for an assignment (the trivial one: the right answer)."""
    from newslit import classroom, personas

    if assignment == "trivial":
        nb = nbformat.read(course / "exercises" / "trivial" / "trivial.ipynb", as_version=4)
        nb.cells[0].source = "answer = 42"
        return {p: nb for p in persona_names}
    if assignment not in EXERCISES:  # a twin (exN-shape, ...): the source itself, every code cell ``pass``
        nb = nbformat.read(course / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
        return {p: nb for p in persona_names}
    c = classroom.Course(course)
    return {p: personas.submission(personas.BY_NAME[p], c, assignment, assignment, root=ROOT) for p in persona_names}


def write_submission(course: Path, student: str, assignment: str, nb):
    folder = course / "grading" / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


def cell_counts(assignment: str, course: Path) -> tuple[int, int]:
    """(code cells, grade cells) of an assignment's source notebook."""
    nb = nbformat.read(course / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    return len(code), sum(bool(c.metadata.get("nbgrader", {}).get("grade")) for c in code)


# ------------------------------------------------------------------ A. marginal autograde cost

def cpu_of_children() -> float:
    """CPU seconds used so far by finished child processes (nbgrader and the kernels it started)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_autograde(course: Path, assignment: str, *args: str) -> tuple[float, float]:
    """(wall s, CPU s) of one ``nbgrader autograde`` process, its kernels included."""
    cpu = cpu_of_children()
    seconds, proc = nbgrader(course, "autograde", assignment, "--force", *args)
    if "[ERROR]" in proc.stderr + proc.stdout:
        raise RuntimeError(f"autograde {assignment} reported errors:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return seconds, cpu_of_children() - cpu


def bench_marginal(course: Path, names: list[str], k: int, repeats: int) -> list[dict]:
    """t(N=1) and t(N=k) for one ``nbgrader autograde`` process; marginal = (t_k - t_1) / (k - 1).

    ``names``: the trivial notebook first (the ratios' base), then the assignments to compare.
    Repeats go round all assignments in turn, so a slow spell of the machine hits them alike.
    """
    students = [f"s{i:02d}" for i in range(1, k + 1)]
    rows = []
    for a in names:
        nb = submissions(course, a, ["strong"])["strong"]
        for s in students:
            write_submission(course, s, a, nb)
        code, graded = cell_counts(a, course)
        rows.append({"assignment": a, "code cells": code, "grade cells": graded,
                     "t1 runs": [], "tk runs": [], "cpu1 runs": [], "cpuk runs": []})
    timed_autograde(course, names[0], "--student=s01")  # warm-up, untimed: the first run fills the bytecode cache
    for i in range(repeats):
        for r in rows:
            for n, args in (("1", ("--student=s01",)), ("k", ())):
                seconds, cpu = timed_autograde(course, r["assignment"], *args)
                r[f"t{n} runs"].append(seconds)
                r[f"cpu{n} runs"].append(cpu)
            log(f"A. {r['assignment']} (repeat {i + 1}): t1 {r['t1 runs'][-1]:.2f} s, t{k} {r['tk runs'][-1]:.2f} s")
    return marginal_costs(rows, k)


def marginal_costs(rows: list[dict], k: int) -> list[dict]:
    """Add the best runs, the marginal wall and CPU s/submission, and ratios to trivial (first row) and twin."""
    for r in rows:
        r["t1"], r["tk"] = min(r["t1 runs"]), min(r["tk runs"])
        r["marginal"] = (r["tk"] - r["t1"]) / (k - 1)
        r["cpu marginal"] = (min(r["cpuk runs"]) - min(r["cpu1 runs"])) / (k - 1)
    by_name = {r["assignment"]: r for r in rows}
    for r in rows:
        r["ratio"] = r["marginal"] / rows[0]["marginal"]
        r["cpu ratio"] = r["cpu marginal"] / rows[0]["cpu marginal"]
        if shape_name(r["assignment"]) in by_name:
            r["vs shape"] = r["marginal"] / by_name[shape_name(r["assignment"])]["marginal"]
    return rows


# ------------------------------------------------------------------ B. the instructor command

PERSONA_MIX = ("strong", "careless", "hedge-blind", "bound-as-hedge", "source-truster", "out-of-time", "blank")


def bench_class(base: Path, work: Path, exercises: list[str], size: int, workers: list[int],
                one_worker: list[str]) -> list[dict]:
    """``newslit grade <ex> --workers W`` on ``size`` submissions per exercise (personas in turn)."""
    from newslit import classroom

    for a in exercises:
        filled = submissions(base, a, list(PERSONA_MIX))
        for i in range(size):
            p = PERSONA_MIX[i % len(PERSONA_MIX)]
            write_submission(base, f"{p}-{i + 1:03d}", a, filled[p])
    rows = []
    for w in workers:
        course = work / f"class-w{w}"
        shutil.copytree(base, course, ignore=shutil.ignore_patterns("gradebook.db", "autograded", "feedback", "logs",
                                                                     "exports", ".release"))
        for a in exercises:  # untimed: the gradebook knows the assignments, as after releasing them
            classroom.ensure_in_gradebook(classroom.Course(course), a)
        for a in exercises:
            if w == 1 and a not in one_worker:
                continue
            seconds, proc = run([PY, "-m", "newslit.cli", "--course", str(course), "grade", a, "--workers", str(w),
                                 "--quiet"], course, check=False)
            m = re.search(r"(\d+) submitted, (\d+) graded now, \d+ already graded(?:, FAILED: ([^(]*)\(|, 0 failed)",
                          proc.stdout)
            auto = re.search(r"autograde ([\d.]+) s", proc.stdout)
            failed = (len(m.group(3).split(",")) if m.group(3) else 0) if m else size
            row = {"assignment": a, "workers": w, "submissions": size, "wall": seconds,
                   "autograde": float(auto.group(1)) if auto else float("nan"),
                   "graded": int(m.group(2)) if m else 0, "failed": failed, "exit": proc.returncode}
            rows.append(row)
            log(f"B. {a} workers={w}: {seconds:.1f} s wall, autograde {row['autograde']} s, "
                f"{row['graded']} graded, {failed} failed, exit {proc.returncode}")
            if proc.returncode != 0:
                log(proc.stdout[-1500:] + proc.stderr[-1500:])
    return rows


# ------------------------------------------------------------------ C. lessons

def bench_lessons() -> list[dict]:
    from nbclient import NotebookClient

    rows = []
    for path in sorted((ROOT / "lessons").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds = time.perf_counter() - start
        errors = sum(o.output_type == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        rows.append({"lesson": path.stem, "code cells": sum(c.cell_type == "code" for c in nb.cells),
                     "seconds": seconds, "errors": errors})
        log(f"C. {path.stem}: {seconds:.2f} s, {errors} error output(s)")
    return rows


# ------------------------------------------------------------------ D. imports

IMPORT_TIMER = "import sys, time; t = time.perf_counter(); import {m}; " \
               "print(time.perf_counter() - t, 'pandas' in sys.modules, 'ipywidgets' in sys.modules)"


def bench_imports(repeats: int) -> list[dict]:
    rows = []
    for m in ("pandas", *MODULES):
        runs = []
        for _ in range(repeats):
            _, proc = run([PY, "-c", IMPORT_TIMER.format(m=m)], ROOT)
            seconds, pandas, widgets = proc.stdout.split()
            runs.append(float(seconds))
        rows.append({"module": m, "seconds": min(runs), "pandas": pandas == "True", "ipywidgets": widgets == "True"})
    return rows


# ------------------------------------------------------------------ report

def table(headers: list[str], rows: list[list]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join("  " + line for line in lines)


def report(res: dict) -> str:
    out = [f"newslit benchmark, {res['when']}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
           f"nbgrader {res['nbgrader']}; bytecode cache {'on' if res['bytecode cache'] else 'off'}; "
           f"mode {res['mode']}",
           f"load average at start {res['load start']}, at end {res['load end']}; total {res['total s']:.0f} s", ""]
    if "marginal" in res:
        k = res["k"]
        out.append(f"A. nbgrader autograde, one process, strong-persona submissions: t(N=1), t(N={k}), "
                   f"marginal = (t{k} - t1)/{k - 1}; min of {res['repeats']} run(s)")
        out.append(table(["assignment", "code cells", "grade cells", "t1 s", f"t{k} s", "s/submission",
                          "vs trivial", f"target <= {TARGET_RATIO}x", "vs its shape", "CPU s/sub", "CPU vs trivial"],
                         [[r["assignment"], r["code cells"], r["grade cells"], f"{r['t1']:.2f}", f"{r['tk']:.2f}",
                           f"{r['marginal']:.2f}", f"{r['ratio']:.2f}x",
                           ("ok" if r["ratio"] <= TARGET_RATIO else "OVER") if r["assignment"] in EXERCISES else "",
                           f"{r['vs shape']:.2f}x" if "vs shape" in r else "", f"{r['cpu marginal']:.2f}",
                           f"{r['cpu ratio']:.2f}x"]
                          for r in res["marginal"]]))
        out.append("(exN-shape: exN with every code cell `pass`, same cells and nbgrader metadata: what the "
                   "notebook's shape costs before any course code runs. CPU: nbgrader's and its kernels' CPU "
                   "seconds, the same slope; steadier than wall time on a shared machine)")
        out.append("")
    if "class" in res:
        out.append("B. newslit grade <ex> --workers W (autograde + feedback + leak check + exports), "
                   f"{res['class size']} submissions per exercise, 7 personas in turn")
        out.append(table(["assignment", "workers", "wall s", "autograde s", "s/submission", "graded", "failed",
                          f"target (2 workers, {res['class size']}) <= {TARGET_CLASS_S * res['class size'] / 100:g} s"],
                         [[r["assignment"], r["workers"], f"{r['wall']:.1f}", f"{r['autograde']:.1f}",
                           f"{r['wall'] / r['submissions']:.2f}", r["graded"], r["failed"],
                           ("ok" if r["wall"] <= TARGET_CLASS_S * r["submissions"] / 100 else "OVER")
                           if r["workers"] == 2 else ""] for r in res["class"]]))
        out.append("")
    if "lessons" in res:
        total = sum(r["seconds"] for r in res["lessons"])
        out.append("C. lessons, each in a fresh kernel (nbclient, kernel start included)")
        out.append(table(["lesson", "code cells", "seconds", "errors"],
                         [[r["lesson"], r["code cells"], f"{r['seconds']:.2f}", r["errors"]] for r in res["lessons"]]
                         + [["total", "", f"{total:.2f}", f"target <= {TARGET_LESSONS_S:g} s: "
                             + ("ok" if total <= TARGET_LESSONS_S else "OVER")]]))
        out.append("")
    if "imports" in res:
        out.append(f"D. import time in a fresh interpreter (best of {res['import repeats']})")
        out.append(table(["module", "seconds", "loads pandas", "loads ipywidgets"],
                         [[r["module"], f"{r['seconds']:.3f}", "yes" if r["pandas"] else "no",
                           "yes" if r["ipywidgets"] else "no"] for r in res["imports"]]))
        out.append("")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke run: class of 10, k=3, one repeat")
    p.add_argument("--k", type=int, help="submissions in the N=k autograde run (default 6; quick 3)")
    p.add_argument("--repeats", type=int, help="repeats of the N=1/N=k runs, min taken (default 2; quick 1)")
    p.add_argument("--class-size", type=int, help="submissions per exercise for `newslit grade` (default 100; quick 10)")
    p.add_argument("--one-worker", nargs="*", metavar="EX",
                   help="exercises also graded with 1 worker (default: all; quick: all)")
    p.add_argument("--exercises", nargs="+", choices=EXERCISES, metavar="EX",
                   help=f"exercises to benchmark (default: all, {' '.join(EXERCISES)})")
    p.add_argument("--only", nargs="+", choices=["marginal", "class", "lessons", "imports"],
                   help="run only these sections")
    p.add_argument("--no-bytecode-cache", action="store_true", help="keep PYTHONDONTWRITEBYTECODE as set")
    p.add_argument("--json", help="also write the raw results here")
    p.add_argument("--keep", action="store_true", help="keep the temporary courses (path printed)")
    args = p.parse_args(argv)
    k = args.k or (3 if args.quick else 6)
    repeats = args.repeats or (1 if args.quick else 2)
    size = args.class_size or (10 if args.quick else 100)
    exercises = args.exercises or EXERCISES
    one_worker = exercises if args.one_worker is None else args.one_worker
    sections = args.only or ["marginal", "class", "lessons", "imports"]

    tmp = Path(tempfile.mkdtemp(prefix="newslit-bench-"))
    cache_env = {}
    if not args.no_bytecode_cache:
        cache_env = {"PYTHONDONTWRITEBYTECODE": None, "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
        for key, value in cache_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        run([PY, "-c", "import " + ", ".join(("newslit.cli", "newslit.classroom", "newslit.check", *MODULES))], ROOT)
    import nbgrader as nbg

    res = {"when": time.strftime("%Y-%m-%d %H:%M"), "nbgrader": nbg.__version__, "mode": "quick" if args.quick else
           "full", "bytecode cache": not args.no_bytecode_cache,
           "load start": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    start = time.perf_counter()
    try:
        course = None
        if {"marginal", "class"} & set(sections):
            log("setting up a temporary course (generate_assignment for every assignment)")
            course = make_course(tmp / "course", exercises)
        if "imports" in sections:
            res["import repeats"] = 3
            res["imports"] = bench_imports(3)
            log("D. imports done")
        if "marginal" in sections:
            res.update(k=k, repeats=repeats, marginal=bench_marginal(course, assignments(exercises), k, repeats))
        if "lessons" in sections:
            res["lessons"] = bench_lessons()
        if "class" in sections:
            base = tmp / "class-base"
            shutil.copytree(course, base, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback",
                                                                         "gradebook.db", "logs"))
            res["class size"] = size
            res["class"] = bench_class(base, tmp, exercises, size, [1, 2], one_worker)
    finally:
        res["total s"] = time.perf_counter() - start
        res["load end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(report(res))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
