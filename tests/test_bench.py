"""bench/run.py: its arithmetic and report, and one small run of every section end to end."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(name, t1s, tks, cpu1s=(1.0,), cpuks=(2.0,)):
    return {"assignment": name, "code cells": 2, "grade cells": 1, "t1 runs": t1s, "tk runs": tks,
            "cpu1 runs": list(cpu1s), "cpuk runs": list(cpuks)}


def test_marginal_cost_is_the_slope_between_best_runs_and_ratios_use_trivial_and_the_twin():
    bench = _bench()
    rows = bench.marginal_costs([_row("trivial", [2.5, 2.0], [5.0, 6.0], [1.0, 0.8], [3.2, 3.0]),  # (5 - 2) / 3
                                 _row("ex1-shape", [3.0], [7.5]),                               # 1.5
                                 _row("ex1", [3.0], [9.0], [1.2], [4.2])], k=4)                 # 2.0
    assert [r["marginal"] for r in rows] == [1.0, 1.5, 2.0]
    assert [r["ratio"] for r in rows] == [1.0, 1.5, 2.0]
    assert [r["cpu marginal"] for r in rows] == pytest.approx([(3.0 - 0.8) / 3, 1 / 3, 1.0])
    assert rows[2]["cpu ratio"] == pytest.approx(3.0 / 2.2)
    assert rows[2]["vs shape"] == pytest.approx(2.0 / 1.5)
    assert "vs shape" not in rows[0] and "vs shape" not in rows[1]


def test_report_flags_exercises_over_target_and_scales_the_class_target():
    bench = _bench()
    marginal = bench.marginal_costs([_row("trivial", [2.0], [4.0]), _row("ex1-shape", [2.0], [4.4]),
                                     _row("ex1", [2.0], [4.5]), _row("ex2-shape", [2.0], [4.4]),
                                     _row("ex2", [2.0], [4.8])], k=3)  # ex1 1.25x, ex2 1.4x
    common = {"when": "now", "nbgrader": "0.9.6", "mode": "quick", "bytecode cache": True, "load start": "0",
              "load end": "0", "total s": 1.0}
    text = bench.report({**common, "k": 3, "repeats": 1, "marginal": marginal})
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  ex") or "trivial" in line}
    assert lines["ex1"].split()[-4:-2] == ["ok", "1.04x"] and lines["ex2"].split()[-4:-2] == ["OVER", "1.17x"]
    assert "ok" not in lines["ex1-shape"] and "OVER" not in lines["ex1-shape"]

    def klass(wall):
        return {"assignment": "ex1", "workers": 2, "submissions": 10, "wall": wall, "autograde": wall - 2,
                "graded": 10, "failed": 0, "exit": 0}

    text = bench.report({**common, "class size": 10, "class": [klass(8.9), klass(9.1)]})  # target 9 s for 10
    rows = [line.split() for line in text.splitlines() if line.startswith("  ex1")]
    assert [r[-1] for r in rows] == ["ok", "OVER"]


@pytest.mark.slow
def test_a_small_run_measures_every_section(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--exercises", "ex1",
                           "--k", "2", "--class-size", "2", "--json", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for section in ("A. nbgrader autograde", "B. newslit grade", "C. lessons", "D. import time"):
        assert section in proc.stdout
    res = json.loads(out.read_text())

    a = {r["assignment"]: r for r in res["marginal"]}
    assert list(a) == ["trivial", "ex1-shape", "ex1"]
    assert a["trivial"]["ratio"] == 1.0 and a["trivial"]["code cells"] == 2
    assert (a["ex1"]["code cells"], a["ex1"]["grade cells"]) == (a["ex1-shape"]["code cells"],
                                                                a["ex1-shape"]["grade cells"])
    assert all(r["t1"] > 0 and min(r["cpuk runs"]) > 0 for r in a.values())

    assert [(r["assignment"], r["workers"]) for r in res["class"]] == [("ex1", 1), ("ex1", 2)]
    for r in res["class"]:  # the command's summary was read: both students graded, none failed
        assert (r["graded"], r["failed"], r["exit"]) == (2, 0, 0)
        assert 0 < r["autograde"] < r["wall"]

    assert sorted(r["lesson"] for r in res["lessons"]) == sorted(p.stem for p in (REPO / "lessons").glob("*.ipynb"))
    assert all(r["errors"] == 0 for r in res["lessons"])

    imports = {r["module"]: r for r in res["imports"]}
    assert imports["pandas"]["pandas"] and imports["newslit.estimates"]["pandas"]
    assert not any(imports[m]["pandas"] or imports[m]["ipywidgets"]
                   for m in ("newslit.claims", "newslit.sources", "newslit.grading"))


def test_the_per_form_twin_keeps_one_grade_cell_per_form_and_every_other_cell():
    spec = importlib.util.spec_from_file_location("bench_per_form", REPO / "bench" / "per_form.py")
    per_form = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(per_form)
    import nbformat

    full = nbformat.read(REPO / "solutions" / "ex1" / "ex1.ipynb", as_version=4)
    twin = per_form.per_form_source("ex1")

    def graded(nb):
        return [c.metadata.nbgrader.grade_id for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]

    assert len(graded(full)) == 26  # 25 items in two forms, and one written answer (markdown)
    assert graded(twin) == ["labels_c02", "cues_c07", "trace_first"]
    assert len(twin.cells) == len(full.cells) - 23
    assert {c.source for c in twin.cells if c.cell_type == "code"} == {"pass"}
