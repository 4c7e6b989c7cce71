"""The article's numbers as intervals: read the bound, the basis and the source before the number.

Pure pandas functions (matplotlib only inside ``plot_intervals``); no widgets. The table is
``data/estimates.csv`` (one row per numeric expression in the article, plus clearly marked
figures from other sources), loaded with ``load_estimates()``.

How a bound becomes an interval (``interval``/``intervals``), with v = value:

=========== ======================= ==================================================================
bound       interval                reading
=========== ======================= ==================================================================
exact       [v, v]                  "a million" as a pledge, "21 missiles"
approx      [v - u/2, v + u/2]      "about": u is the rounding unit the number is written to, the place
                                    value of its last non-zero digit (550 -> 10, 900 -> 100, 4.8 million
                                    -> 100,000), so "about 550" is [545, 555]
upper       [0, v]                  "up to", "as many as"; [0, v) when the words exclude v ("under")
lower       [v, ∞)                  "at least"; (v, ∞) when the words exclude v ("over", "more than")
near_below  [0.9 v, v)              "nearly", "almost": just under v (10 % below is this course's convention)
range       [v, value_hi]           "between 40 and 60"
vague       not placeable (NaN)     "decades" has no number
=========== ======================= ==================================================================

A row with a blank bound (an assessed row of the public table) is not placeable either.
``[`` and ``]`` mean the end is included, ``(`` and ``)`` that it is excluded.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import warnings
from contextvars import ContextVar
from decimal import Decimal

import numpy as np
import pandas as pd

from newslit import data
from newslit.answers import AnswerError, Check, check_choice, normalize_text, parse_number
from newslit.data import BOUNDS, MEASURE_KINDS

KM_PER_MILE = 1.609344  # the international mile, exact by definition
NEAR_BELOW = 0.9
# Bound words that leave the number itself out: "over 20" does not include 20.
STRICT_WORDS = ("over", "more than", "above", "under", "fewer than", "less than", "below")
DISTANCE_UNITS = ("km", "miles")

# Fermi check: ASSUMPTIONS, not facts: our working figures for the check (see instructor-notes-ex2.md).
KG_PER_SHELL = 45.0
PAYLOAD_T = (20.0, 28.0)
ASSUMPTIONS = (
    f"Assumption 1: one shell weighs about {KG_PER_SHELL:g} kg (our working figure; whether it includes propellant "
    "was not checked). "
    f"Assumption 2: the containers are 20-foot containers that carry {PAYLOAD_T[0]:g} to {PAYLOAD_T[1]:g} t of "
    "cargo. These are round working figures for an order-of-magnitude check, not facts about these shipments "
    "and not findings of the course's fact-check: a heavier or lighter shell, weight the 45 kg may leave out "
    "(propellant, fuzes, packing) or a lighter load moves the verdict."
)

MEET_OPTIONS = (
    "yes: a whole range of numbers fits both",
    "only at one number: both are true only if the figure is exactly where they meet",
    "no: no number fits both",
)
FERMI_OPTIONS = (
    "plausible as a maximum: that many shells weigh about what a full container can carry",
    "not plausible: that many shells would weigh far more than a container can carry",
    "not plausible: that many shells would weigh far less than a full container",
)
# Tolerances of the numeric answers (stated to students in the prompts).
TOLERANCE = {"per_unit": 1.0, "convert": 1.0, "fermi": 0.1}

_NAN = float("nan")


def load_estimates(root=None) -> pd.DataFrame:
    """The public estimates table (assessed rows have blank answer fields)."""
    return data.load("estimates", root=root)


def _split(cell) -> list[str]:
    return [p for p in cell.split("|") if p] if isinstance(cell, str) else []


def rounding_unit(value: float) -> float:
    """Place value of the last non-zero digit: 550 -> 10, 900 -> 100, 4.8e6 -> 1e5, 0.5 -> 0.1."""
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return float(Decimal(1).scaleb(exponent))


def interval(bound: str, value, value_hi=_NAN, words: str = "") -> tuple[float, float, bool, bool]:
    """(lo, hi, lo_closed, hi_closed) for one figure, by the rules in the module docstring; NaNs if not placeable."""
    v = _NAN if value is None or value == "" else float(value)
    if not isinstance(bound, str) or bound in ("", "vague") or math.isnan(v):
        return _NAN, _NAN, False, False
    strict = isinstance(words, str) and words.strip().casefold() in STRICT_WORDS
    if bound == "exact":
        return v, v, True, True
    if bound == "approx":
        half = rounding_unit(v) / 2
        return v - half, v + half, True, True
    if bound == "upper":
        return 0.0, v, True, not strict
    if bound == "lower":
        return v, math.inf, not strict, False
    if bound == "near_below":
        return NEAR_BELOW * v, v, True, False
    if bound == "range":
        return v, float(value_hi), True, True
    raise ValueError(f"unknown bound {bound!r}; bounds are {', '.join(BOUNDS)}")


def _column(df: pd.DataFrame, name: str, default):
    return df[name] if name in df.columns else pd.Series(default, index=df.index)


def intervals(df: pd.DataFrame) -> pd.DataFrame:
    """One interval per row of an estimates DataFrame, same index.

    Columns: lo, hi (floats; hi may be inf; NaN when not placeable), lo_closed, hi_closed (bools: is the
    end included?), unit, and notation (e.g. "[3,000,000 to ∞)").
    """
    rows = [interval(b, v, h, w) for b, v, h, w in zip(
        df["bound"], df["value"], _column(df, "value_hi", _NAN), _column(df, "bound_words", ""), strict=True)]
    out = pd.DataFrame(rows, index=df.index, columns=["lo", "hi", "lo_closed", "hi_closed"])
    out["unit"] = _column(df, "unit", "")
    out["notation"] = [notation(r) for _, r in out.iterrows()]
    return out


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "∞"
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def is_empty(iv) -> bool:
    """True when an interval (a mapping with lo, hi, lo_closed, hi_closed) contains no number."""
    lo, hi = iv["lo"], iv["hi"]
    return bool(lo > hi or (lo == hi and not (iv["lo_closed"] and iv["hi_closed"])))


def notation(iv) -> str:
    """'[lo to hi]' with [ ] for included and ( ) for excluded ends; 'empty' or 'not placeable'."""
    lo, hi = float(iv["lo"]), float(iv["hi"])
    if math.isnan(lo) or math.isnan(hi):
        return "not placeable"
    if is_empty(iv):
        return "empty"
    return f"{'[' if iv['lo_closed'] else '('}{_fmt(lo)} to {_fmt(hi)}{']' if iv['hi_closed'] else ')'}"


def intersect(a, b) -> pd.Series:
    """The overlap of two intervals (rows of ``intervals()``): lo, hi, lo_closed, hi_closed, unit, is_empty, notation."""
    unit_a, unit_b = a.get("unit", ""), b.get("unit", "")
    if unit_a and unit_b and unit_a != unit_b:
        raise ValueError(f"cannot intersect {unit_a} with {unit_b}: convert one of them first")
    if a["lo"] != b["lo"]:
        lo, lo_closed = max((a["lo"], a["lo_closed"]), (b["lo"], b["lo_closed"]), key=lambda t: t[0])
    else:
        lo, lo_closed = a["lo"], bool(a["lo_closed"] and b["lo_closed"])
    if a["hi"] != b["hi"]:
        hi, hi_closed = min((a["hi"], a["hi_closed"]), (b["hi"], b["hi_closed"]), key=lambda t: t[0])
    else:
        hi, hi_closed = a["hi"], bool(a["hi_closed"] and b["hi_closed"])
    out = {"lo": float(lo), "hi": float(hi), "lo_closed": bool(lo_closed), "hi_closed": bool(hi_closed),
           "unit": unit_a or unit_b}
    placeable = not (math.isnan(out["lo"]) or math.isnan(out["hi"]))
    out["is_empty"] = placeable and is_empty(out)
    out["notation"] = notation(out)
    return pd.Series(out)


def pairwise(iv: pd.DataFrame) -> pd.DataFrame:
    """The overlap of every pair of placeable intervals with the same unit: a, b and the ``intersect`` columns."""
    placed = iv.dropna(subset=["lo", "hi"])
    rows = [{"a": a, "b": b, **intersect(placed.loc[a], placed.loc[b]).to_dict()}
            for a, b in itertools.combinations(placed.index, 2) if placed.loc[a, "unit"] == placed.loc[b, "unit"]]
    return pd.DataFrame(rows, columns=["a", "b", "lo", "hi", "lo_closed", "hi_closed", "unit", "is_empty", "notation"])


def meet_verdict(overlap) -> str:
    """Which of MEET_OPTIONS describes an overlap from ``intersect``."""
    if overlap["is_empty"]:
        return MEET_OPTIONS[2]
    return MEET_OPTIONS[1] if overlap["lo"] == overlap["hi"] else MEET_OPTIONS[0]


# ---- per-unit, Fermi and unit checks ----

def per_unit(df: pd.DataFrame, numerator: str, denominator: str) -> float:
    """value of one row divided by value of another (4.8 million shells / 10,000 containers = 480)."""
    return float(df.loc[numerator, "value"] / df.loc[denominator, "value"])


def fermi_tonnes(per_container, kg_per_shell: float = KG_PER_SHELL):
    """Tonnes of shells in one container, under the stated weight ASSUMPTION (works on Series too)."""
    return per_container * kg_per_shell / 1000


def fermi_verdict(tonnes: float, payload: tuple = PAYLOAD_T) -> str:
    """Which of FERMI_OPTIONS fits ``tonnes`` per container, given the assumed payload range (t)."""
    lo, hi = payload
    if tonnes > hi:
        return FERMI_OPTIONS[1]
    return FERMI_OPTIONS[2] if tonnes < lo else FERMI_OPTIONS[0]


def to_km(miles):
    """Miles to kilometres (international mile; works on numbers and Series)."""
    return miles * KM_PER_MILE


def to_miles(km):
    """Kilometres to miles (works on numbers and Series)."""
    return km / KM_PER_MILE


def convert(value, unit: str, to: str):
    """``value`` in ``unit`` ("km" or "miles") expressed in ``to``."""
    for u in (unit, to):
        if u not in DISTANCE_UNITS:
            raise ValueError(f"unknown unit {u!r}; use one of {', '.join(DISTANCE_UNITS)}")
    if unit == to:
        return value
    return to_km(value) if to == "km" else to_miles(value)


# ---- the number line ----

_HATCH = {"exact": "", "approx": "....", "upper": "////", "lower": "\\\\\\\\", "near_below": "xxxx", "range": "----"}


def _row_label(eid, row) -> str:
    span = row.get("span", "")
    text = span if isinstance(span, str) and span else f"{row.get('outlet', '')} {row.get('as_of', '')}".strip()
    text = text if len(text) <= 38 else text[:37] + "…"
    bound = row.get("bound", "") or "no bound yet"
    return f"{eid} · {text} ({bound})"


def plot_intervals(df: pd.DataFrame, ax=None, title: str | None = None, label=_row_label):
    """A number line with one row per estimate (one unit at a time); returns the matplotlib Axes.

    Readable without colour: black on white; each bound type has its own hatching; a filled circle
    marks an included end, a hollow circle an excluded end, an arrow a missing upper limit; every row
    is labelled (``label(eid, row)``; by default its id, text and bound), and the interval is written out
    beside it.
    Rows that cannot be placed (vague, or no bound yet) are listed with a note.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    iv = intervals(df)
    placed = iv.dropna(subset=["lo", "hi"])
    units = sorted(set(placed["unit"]))
    if len(units) > 1:
        raise ValueError(f"plot one unit at a time; these rows mix {', '.join(units)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 1.2 + 0.55 * len(df)))
    ends = [x for x in (*placed["lo"], *placed["hi"]) if math.isfinite(x)] or [0.0, 1.0]
    left = 0.0 if min(ends) <= 0.25 * max(ends) else min(ends) - 0.15 * (max(ends) - min(ends) or max(ends))
    room = 0.3 if (placed["hi"] == math.inf).any() else 0.12  # space for arrows and the written-out intervals
    right = max(ends) + room * (max(ends) - left or 1.0)
    n = len(df)
    for i, (eid, row) in enumerate(df.iterrows()):
        y, r = n - 1 - i, iv.loc[eid]
        if eid not in placed.index:
            ax.text(left, y, "  not placeable: vague, or no bound yet", va="center", style="italic", fontsize=9)
            continue
        bound = row["bound"]
        hi_draw = r["hi"] if math.isfinite(r["hi"]) else right
        ax.barh(y, hi_draw - r["lo"], left=r["lo"], height=0.34, facecolor="white", edgecolor="black",
                hatch=_HATCH.get(bound, ""), linewidth=1)
        ax.plot([r["lo"]], [y], marker="o", ms=8, mec="black", mfc="black" if r["lo_closed"] else "white")
        if math.isfinite(r["hi"]):
            ax.plot([r["hi"]], [y], marker="o", ms=8, mec="black", mfc="black" if r["hi_closed"] else "white")
        else:
            ax.annotate("", xy=(right, y), xytext=(right - 0.06 * (right - left), y),
                        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})
        ax.text(min(hi_draw, right), y + 0.3, f" {r['notation']}", fontsize=8, va="bottom",
                ha="right" if not math.isfinite(r["hi"]) else "left")
    ax.set_yticks(range(n), [label(eid, row) for eid, row in df.iloc[::-1].iterrows()], fontsize=9)
    ax.set_ylim(-0.8, n - 0.2)
    ax.set_xlim(left, right * 1.02)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.set_xlabel(units[0] if units else "")
    ax.grid(axis="x", linestyle=":", color="0.6")
    present = [b for b in BOUNDS if b in set(df.loc[placed.index, "bound"])]
    handles = [Line2D([], [], marker="o", ls="", mec="black", mfc="black", label="end included"),
               Line2D([], [], marker="o", ls="", mec="black", mfc="white", label="end excluded"),
               Line2D([], [], marker=r"$\rightarrow$", ls="", color="black", ms=12, label="no upper limit"),
               *[Patch(facecolor="white", edgecolor="black", hatch=_HATCH[b], label=b) for b in present]]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    if title:
        ax.set_title(title)
    return ax


# ---- notebook support: context, worked examples, practice feedback (no widgets here) ----

def option_label(eid: str, df: pd.DataFrame | None = None) -> str:
    """'e04: up to 4.8 million artillery shells' (an option in a menu of the article's figures)."""
    row = (load_estimates() if df is None else df).loc[eid]
    return f"{eid}: {row['span'] or row['quantity']}"


def in_context(eid: str) -> str:
    """HTML: the figure's sentence with the figure marked by ⟦brackets⟧ and a highlight (readable without colour)."""
    est = load_estimates()
    row = est.loc[eid]
    if row["in_article"] != "yes":
        return (f"<div><b>{eid}</b> (outside the article): {html.escape(row['quantity'])}: "
                f"{html.escape(_fmt(row['value']))} {html.escape(row['unit'])}, {html.escape(row['outlet'])}, "
                f"{html.escape(row['as_of'])}</div>")
    s = data.load("sentences").loc[row["sentence_id"]]
    text = data.article_text()
    before, span, after = text[s["start"]:row["start"]], text[row["start"]:row["end"]], text[row["end"]:s["end"]]
    tag = " <i>(subheading)</i>" if s["kind"] == "subheading" else ""
    return (f"<div><b>{eid}</b>{tag}: {html.escape(before)}"
            f'<mark style="background:#fff3b0;border-bottom:2px solid #333">⟦{html.escape(span)}⟧</mark>'
            f"{html.escape(after)}</div>")


def _public_row(eid: str) -> pd.Series:
    row = load_estimates().loc[eid]
    if row["role"] == "assessed":
        raise KeyError(f"{eid} is assessed: its answer is revealed only in the graded feedback")
    return row


def worked_example(eid: str) -> str:
    """HTML: a figure with its full reading (worked and practice rows only)."""
    row = _public_row(eid)
    iv = intervals(row.to_frame().T).iloc[0]
    rows = [("Bound words", row["bound_words"] or "none"), ("Bound type", f"<b>{row['bound']}</b>"),
            ("Interval", iv["notation"] + f" {row['unit']}"), ("What is measured", row["measure_kind"]),
            ("Modality", row["modality"]), ("Who says it", row["source_chain"]), ("Basis", row["basis"]),
            ("Stated", row["as_of"] or "not known"), ("Evidence", row["evidence"]),
            ("Why", row["explanation"])]
    body = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>"
                   f"{v if k == 'Bound type' else html.escape(v)}</td></tr>" for k, v in rows)
    return in_context(eid) + f"<table>{body}</table>"


_OPTIONS = {"bound": BOUNDS, "measure_kind": MEASURE_KINDS}
_ALTERNATES = {"bound": "bound_alternates", "measure_kind": "measure_alternates"}


def practice_feedback(field: str):
    """Immediate feedback for worked/practice rows on ``field`` ("bound" or "measure_kind"): f(id, value) -> (Check, why)."""
    def feedback(eid, value):
        row = _public_row(eid)
        result = check_choice(eid, value, [row[field], *_split(row[_ALTERNATES[field]])], _OPTIONS[field])
        if result.status == "correct" and normalize_text(value) != normalize_text(row[field]):  # an alternate
            result = Check(eid, "accepted", f"'{value}' is accepted; the best answer is '{row[field]}'")
        return result, row["explanation"]
    return feedback


def with_answers(df: pd.DataFrame, column: str, answers: dict | None) -> pd.DataFrame:
    """A copy of ``df`` with ``column`` set from ``answers`` ({id: value}) where given (e.g. your bound answers)."""
    out = df.copy()
    for eid, value in (answers or {}).items():
        if eid in out.index and isinstance(value, str) and value:
            out.loc[eid, column] = value
    return out


# ---- code answers: read a student's variable to hand in for grading (hand_in) or a completeness check ----
# Only exact pandas/builtin/numpy types are read, by ``type(x) is`` checks, so no method a student's code
# defined runs while an answer is graded; the result is plain data (float, str, list of str), as
# ``newslit.grading`` requires. Anything else becomes a short message that the checks reject.

_NUMBERS = (int, float, np.int64, np.int32, np.float64, np.float32)
_BOOLS = (bool, np.bool_)
_NAMES = {pd.Series: "Series", pd.DataFrame: "DataFrame", dict: "dict", list: "list", tuple: "tuple", set: "set",
          str: "str", int: "int", float: "float", bool: "bool", type(None): "None", np.float64: "float",
          np.int64: "int", np.bool_: "bool"}


def _kind(value) -> str:
    return _NAMES.get(type(value), "an object")


def _number(value):
    """A float from an exact number type, text as it is (parse_number reads it), else a message."""
    if type(value) in _NUMBERS:
        return float(value)
    if type(value) is str:
        return value
    if type(value) in (pd.Series, pd.DataFrame) and value.size == 1 and value.to_numpy().dtype.kind in "iuf":
        return float(value.to_numpy().ravel()[0])
    return f"not a number ({_kind(value)})"


def _str_keys(value) -> bool:
    keys = value.index if type(value) is pd.Series else value.keys()
    return all(type(k) is str for k in keys)


def _as_interval(value) -> str:
    if type(value) is pd.DataFrame and len(value) == 1:
        value = value.iloc[0]
    if type(value) in (tuple, list) and len(value) == 2:
        value = {"lo": value[0], "hi": value[1], "lo_closed": True, "hi_closed": True}
    if type(value) in (pd.Series, dict) and _str_keys(value) and "lo" in value and "hi" in value:
        ends = [value[k] for k in ("lo", "hi")]
        closed = [value[k] if k in value else True for k in ("lo_closed", "hi_closed")]
        if all(type(x) in _NUMBERS for x in ends) and all(type(c) in _BOOLS for c in closed):
            return notation({"lo": float(ends[0]), "hi": float(ends[1]),
                             "lo_closed": bool(closed[0]), "hi_closed": bool(closed[1])})
    return f"not an interval ({_kind(value)})"


def _as_ids(value):
    if type(value) is pd.Series and value.dtype == bool:
        value = value[value]
    if type(value) in (pd.DataFrame, pd.Series):
        value = list(value.index)
    if type(value) in (list, tuple, set) and all(type(i) is str for i in value):
        return sorted(value) if type(value) is set else list(value)
    return value if type(value) is str else f"not rows of the table ({_kind(value)})"


def _read(value, item: str, shape: str):
    if shape == "number":
        return _number(value)
    if shape == "element":
        if type(value) in (pd.Series, dict) and _str_keys(value):
            return _number(value[item]) if item in value else f"no entry for {item}"
        return f"not a Series ({_kind(value)})"
    if shape == "interval":
        return _as_interval(value)
    if shape == "ids":
        return _as_ids(value)
    raise ValueError(f"unknown shape {shape!r}")


def code_answer(namespace: dict, name: str, item: str, shape: str) -> dict:
    """{item: the student's variable ``name`` as plain data}; {} when it is not defined or None. Never raises.

    shape: "number" (a number or a one-element Series), "element" (the ``item`` entry of a Series),
    "interval" (a Series/dict with lo, hi[, lo_closed, hi_closed] -> interval notation),
    "ids" (a DataFrame's index, the True entries of a boolean Series, or a list -> list of ids).
    """
    if type(namespace) is not dict or namespace.get(name) is None:  # not defined, or the blank answer None
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {item: _read(namespace[name], item, shape)}
    except Exception:  # a broken value is an invalid answer, never a crash
        return {item: "unreadable"}


def hand_in(namespace: dict, name: str, item: str, shape: str) -> None:
    """Display the code answer ``name`` as plain data for the grader (``grading.ANSWER_MIME``). Never raises.

    Called by the locked test cell: the grader reads the value from that cell's own outputs and
    scores it outside the kernel.
    """
    from IPython.display import display

    from newslit.grading import ANSWER_MIME

    try:
        answers = json.loads(json.dumps(code_answer(namespace, name, item, shape), default=str))
    except Exception:
        answers = {item: "unreadable"}
    display({ANSWER_MIME: {"item": item, "answers": answers}, "text/plain": f"{name}: handed in for grading."},
            raw=True)


def describe(namespace: dict, name: str, shape: str, item: str = "") -> None:
    """Print whether the code answer ``name`` is defined and has the expected shape (not whether it is right).

    Never raises, whatever the variable holds (the grade comes from the grader, not from this).
    """
    try:
        print(_description(code_answer(namespace, name, item, shape), name, shape, item))
    except Exception:
        print(f"{name}: could not be described here; the graded feedback will say how it was scored.")


def _description(got: dict, name: str, shape: str, item: str) -> str:
    if not got:
        return f"{name}: not answered yet. Write the code that assigns {name} in its 'Your code' cell and run it."
    value = got[item]
    if shape in ("number", "element"):
        try:
            value = f"{parse_number(value):,.6g}"
        except AnswerError as err:
            return f"{name}: ✘ {err}"
    elif shape == "interval" and value.startswith("not an interval"):
        return f"{name}: ✘ {value}; use intersect(...) on two rows of intervals(...)"
    elif shape == "ids" and type(value) is not list:
        return f"{name}: ✘ expected rows of the table (a DataFrame), not {_kind(value)}"
    return f"{name}: answered ({value}). Whether it is right is shown in your graded feedback."


# ---- answer keys, built from data/key/ when grading (used by newslit.assign) ----

# The course whose data/key/ the key builders read (set by assign.key_entry; None: the repository this
# package runs from, which a non-editable install does not have).
KEY_ROOT: ContextVar = ContextVar("newslit_key_root", default=None)


def _keyed() -> pd.DataFrame:
    return data.load("estimates", root=KEY_ROOT.get(), with_key=True)


def _per_unit_value(row) -> tuple[float, str]:
    den = _keyed().loc[row["derived_from"]]
    unit = f"{row['unit']} per {den['unit'].removesuffix('s')}"
    return row["value"] / den["value"], unit


def _partner_overlap(row) -> tuple[pd.Series, str]:
    est = _keyed()
    partner = next(p for p in _split(row["compare_with"]) if est.loc[p, "in_article"] == "yes")
    iv = intervals(est.loc[[row.name, partner]])
    return intersect(iv.loc[row.name], iv.loc[partner]), partner


def _bound_key(row) -> dict:
    return {"kind": "choice", "accept": [row["bound"], *_split(row["bound_alternates"])], "options": list(BOUNDS),
            "why": row["explanation"]}


def _measure_key(row) -> dict:
    return {"kind": "choice", "accept": [row["measure_kind"], *_split(row["measure_alternates"])],
            "options": list(MEASURE_KINDS), "why": row["explanation"]}


def _unit_key(row) -> dict:
    return {"kind": "choice", "accept": [row["original_unit"]], "options": list(DISTANCE_UNITS),
            "why": row["explanation"]}


def _derived_key(row) -> dict:
    return {"kind": "choice", "accept": [option_label(row["derived_from"], _keyed())], "why": row["explanation"]}


def _per_unit_key(row) -> dict:
    value, unit = _per_unit_value(row)
    den = _keyed().loc[row["derived_from"]]
    return {"kind": "number", "value": round(float(value), 4), "tolerance": TOLERANCE["per_unit"], "unit": unit,
            "why": f"{_fmt(row['value'])} {row['unit']} ÷ {_fmt(den['value'])} {den['unit']} = {value:,.1f} {unit}: "
                   f"the figure is a container count times an assumed load, so it measures what the containers "
                   f"could hold."}


def _convert_key(row) -> dict:
    to = next(u for u in DISTANCE_UNITS if u != row["unit"])
    value = convert(row["value"], row["unit"], to)
    iv = intervals(_keyed().loc[["e11", "e12"]])
    miles_in_km = f"{to_km(iv.loc['e11', 'lo']):,.0f} to {to_km(iv.loc['e11', 'hi']):,.0f} km"
    return {"kind": "number", "value": round(float(value), 4), "tolerance": TOLERANCE["convert"], "unit": to,
            "why": f"{_fmt(row['value'])} {row['unit']} is {value:,.1f} {to} (1 mile = {KM_PER_MILE} km). "
                   "By lesson 3's check in both directions, 550 miles is about 885 km, which rounds to 'about 900', "
                   "but 900 km is about 559 miles, outside 'about 550' read by the course's rule "
                   f"({iv.loc['e11', 'notation']} miles): the pair is consistent only if 550 was rounded to the "
                   f"nearest 50. By this exercise's interval rule the two do overlap (about 550 miles is {miles_in_km}, "
                   f"inside about 900 km's {iv.loc['e12', 'notation']} km): the checks differ because the interval "
                   "check asks only whether the two ranges share a value, and 'about 900', written to the nearest "
                   "100, is wide enough to hold the whole miles range, while the conversion check asks whether 900 km "
                   "itself rounds to 550 miles. The arithmetic cannot say which figure came first: only other "
                   "reports can."}


def _fermi_key(row) -> dict:
    tonnes = fermi_tonnes(_per_unit_value(row)[0])
    return {"kind": "number", "value": round(float(tonnes), 4), "tolerance": TOLERANCE["fermi"], "unit": "t",
            "why": f"{_per_unit_value(row)[0]:,.0f} shells × {KG_PER_SHELL:g} kg = {tonnes:,.1f} t per container. "
                   + ASSUMPTIONS}


def _fermi_choice_key(row) -> dict:
    tonnes = fermi_tonnes(_per_unit_value(row)[0])
    verdict = fermi_verdict(tonnes)
    lo, hi = PAYLOAD_T
    # "far more" does not follow from the printed assumptions (two audits): say why, with the arithmetic.
    far_more = (f"'Far more' does not follow from these assumptions: {tonnes:,.1f} t lies inside the {lo:g}–{hi:g} t "
                f"payload, and even if the 45 kg leaves out propellant, fuzes and packing, they would have to add about "
                f"{hi / tonnes - 1:.0%} ({tonnes:,.1f} t × {hi / tonnes:.2f} ≈ {hi:g} t) just to reach the top of it. ")
    return {"kind": "choice", "accept": [verdict], "options": list(FERMI_OPTIONS),
            "why": f"About {tonnes:,.1f} t of shells per container, against an assumed {lo:g}–{hi:g} t payload: "
                   f"{_fmt(row['value'])} {row['unit']} is what the containers could hold if every one were full of "
                   "shells, a ceiling, not a count. " + (far_more if verdict == FERMI_OPTIONS[0] else "") + ASSUMPTIONS}


def _meet_why(row, partner, overlap) -> str:
    p = _keyed().loc[partner]
    return (f"'{row['span']}' ({row.name}, {row['bound']}) and '{p['span']}' ({partner}, {p['bound']}) overlap in "
            f"{overlap['notation']}, so: {meet_verdict(overlap)}. Two figures with the same number can point in "
            "opposite directions; read the bound before the number.")


def _meet_key(row) -> dict:
    overlap, partner = _partner_overlap(row)
    return {"kind": "choice", "accept": [overlap["notation"]], "why": _meet_why(row, partner, overlap)}


def _meet_choice_key(row) -> dict:
    overlap, partner = _partner_overlap(row)
    return {"kind": "choice", "accept": [meet_verdict(overlap)], "options": list(MEET_OPTIONS),
            "why": _meet_why(row, partner, overlap)}


def _same_quantity_key(row) -> dict:
    est = _keyed()
    article = est[(est["in_article"] == "yes") & (est["unit"] == row["unit"])]
    same = article[article["quantity"] == row["quantity"]]
    other = "; ".join(f"{i}: {q}" for i, q in article.loc[article["quantity"] != row["quantity"], "quantity"].items())
    return {"kind": "choices", "accept": list(same.index),
            "why": f"The article's estimates of '{row['quantity']}' are {', '.join(same.index)}. Its other "
                   f"{row['unit']} figures measure something else ({other})."}


KEY_BUILDERS = {
    "est_bound": _bound_key, "est_measure": _measure_key, "est_unit": _unit_key, "est_derived": _derived_key,
    "est_per_unit": _per_unit_key, "est_convert": _convert_key, "est_fermi": _fermi_key,
    "est_fermi_choice": _fermi_choice_key, "est_meet": _meet_key, "est_meet_choice": _meet_choice_key,
    "est_same_quantity": _same_quantity_key,
}
