"""The estimates table and newslit.estimates: intervals, overlaps, per-unit, Fermi and unit checks, the plot."""

import math
import re

import matplotlib
import pandas as pd
import pytest
from harness import ROOT

from newslit import assign, data
from newslit import estimates as E

matplotlib.use("Agg")

KEYED = data.load("estimates", with_key=True)
PUBLIC = E.load_estimates()
ARTICLE = KEYED[KEYED.in_article == "yes"]
OUTSIDE = KEYED[KEYED.in_article == "no"]


# ---- the table ----

def test_every_number_in_the_article_has_a_row():
    text = data.article_text()
    spans = [(r.start, r.end) for r in ARTICLE.itertuples()]
    for m in re.finditer(r"\d[\d,.]*", text):
        if text[m.start() - 3:m.start()] == "KN-":  # missile designations are names, not quantities
            continue
        assert any(s <= m.start() and m.end() <= e for s, e in spans), m.group()
    for words in ("decades", "a million shells", "one year", "after a year", "about half of [a million]"):
        assert words in set(ARTICLE.span), words


def test_article_rows_sit_inside_their_sentence_and_print_their_bound_words():
    sentences = data.load("sentences")
    for eid, r in ARTICLE.iterrows():
        s = sentences.loc[r.sentence_id]
        assert s.start <= r.start < r.end <= s.end, eid
        assert r.outlet == "" and r.url == ""
        if eid != "e12":  # "about 550 miles (900 kilometers)": one "about" governs both figures
            assert r.bound_words in r.span, eid


def test_outside_rows_have_no_span_and_name_outlet_date_url_and_evidence():
    assert len(OUTSIDE) >= 20
    for eid, r in OUTSIDE.iterrows():
        assert (r.sentence_id, r.span) == ("", "") and pd.isna(r.start) and pd.isna(r.end), eid
        assert r.outlet and r.as_of and r.url.startswith("http"), eid
        assert r.evidence in ("READ", "CALC", "READ+CALC") and r.ref.startswith("N"), eid
        assert r.role == "", eid


def test_figures_from_the_fact_check_are_recorded_as_read():
    expect = {"n02": (10000, "lower"), "n08": (3e6, "upper"), "n25": (900, "approx"), "n32": (21, "exact"),
              "n30": (50, "approx"), "n39": (524000, "exact"), "n41": (500000, "approx"), "n18": (10000, "lower"),
              "n20": (13000, "lower"), "n15": (1000, "lower")}
    for eid, (value, bound) in expect.items():
        assert (KEYED.loc[eid, "value"], KEYED.loc[eid, "bound"]) == (value, bound), eid
    assert KEYED.loc["n25", "unit"] == "km" and KEYED.loc["n08", "as_of"] == "2024-02-26"


def test_unverified_figures_are_marked_and_never_graded_as_facts():
    assert ARTICLE.loc["e05", "evidence"] == "NOT FOUND" and ARTICLE.loc["e10", "evidence"] == "UNVERIFIED"
    assert set(ARTICLE.drop(["e05", "e10"]).evidence) == {"article"}
    assert "not a fact" in ARTICLE.loc["e05", "explanation"] and "UNVERIFIED" in ARTICLE.loc["e10", "explanation"]
    assert "MEM" in KEYED.loc["n17", "explanation"]  # the day of the briefing is from memory


def test_public_texts_give_no_verdicts_or_labels_that_other_exercises_assess():
    public = " ".join(PUBLIC.explanation).casefold()
    for word in ("corroborat", "contradict", "confirmed", "fits", "floor into a ceiling", "misattribut", "opinion",
                 "hedged", "'likely'", "'estimated'"):
        assert word not in public, word


def test_references_point_at_existing_rows():
    for eid, r in KEYED.iterrows():
        for ref in [*E._split(r.derived_from), *E._split(r.compare_with)]:
            assert ref in KEYED.index and ref != eid, (eid, ref)


def test_assessed_rows_keep_their_answers_in_the_key_only():
    assessed = PUBLIC[PUBLIC.role == "assessed"]
    assert list(assessed.index) == ["e02", "e09", "e11", "e12", "e13"]
    for col in data.TABLES["estimates"].answer_fields:
        assert (assessed[col] == "").all(), col
    assert KEYED.loc["e02", ["bound", "derived_from"]].tolist() == ["near_below", "e04"]
    assert KEYED.loc["e11", "original_unit"] == "km"


def test_public_table_is_shipped_and_the_key_is_not():
    toml = (ROOT / "pyproject.toml").read_text()
    assert '"data/estimates.csv" = "newslit/data/estimates.csv"' in toml and "key/estimates" not in toml


def test_a_span_on_an_outside_row_is_named(tmp_path):
    import shutil

    (tmp_path / "pyproject.toml").write_text("")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    path = tmp_path / "data" / "estimates.csv"
    text = path.read_text(encoding="utf-8").replace("n02,no,,,,,", "n02,no,s06,,,,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(data.DataError, match=r"estimates.csv, row 15, field 'sentence_id': must be blank unless"):
        data.load("estimates", root=tmp_path)


# ---- intervals ----

@pytest.mark.parametrize(("value", "unit"), [(550, 10), (900, 100), (4.8e6, 1e5), (5e5, 1e5), (0.5, 0.1), (21, 1)])
def test_rounding_unit_is_the_place_of_the_last_nonzero_digit(value, unit):
    assert E.rounding_unit(value) == pytest.approx(unit)


@pytest.mark.parametrize(("bound", "value", "words", "expected"), [
    ("exact", 21, "", (21, 21, True, True)),
    ("approx", 550, "about", (545, 555, True, True)),
    ("approx", 900, "about", (850, 950, True, True)),
    ("upper", 4.8e6, "up to", (0, 4.8e6, True, True)),
    ("upper", 10, "under", (0, 10, True, False)),
    ("lower", 3e6, "at least", (3e6, math.inf, True, False)),
    ("lower", 20, "over", (20, math.inf, False, False)),
    ("lower", 1000, "more than", (1000, math.inf, False, False)),
    ("near_below", 5e6, "nearly", (4.5e6, 5e6, True, False)),
])
def test_each_bound_becomes_its_documented_interval(bound, value, words, expected):
    assert E.interval(bound, value, words=words) == pytest.approx(expected)


def test_range_vague_and_blank_bounds():
    assert E.interval("range", 550, 560) == (550, 560, True, True)
    for bound, value in (("vague", float("nan")), ("", 5e6), (None, 5e6)):
        lo, hi, *_ = E.interval(bound, value)
        assert math.isnan(lo) and math.isnan(hi)
    with pytest.raises(ValueError, match="unknown bound 'maybe'"):
        E.interval("maybe", 1)


def test_intervals_of_the_table():
    iv = E.intervals(KEYED)
    assert list(iv.columns) == ["lo", "hi", "lo_closed", "hi_closed", "unit", "notation"]
    assert iv.loc["e13", "notation"] == "(20 to ∞)" and iv.loc["e05", "notation"] == "[3,000,000 to ∞)"
    assert iv.loc["e02", "notation"] == "[4,500,000 to 5,000,000)" and iv.loc["e11", "notation"] == "[545 to 555]"
    assert iv.loc["e01", "notation"] == "not placeable"
    assert E.intervals(PUBLIC).loc["e02", "notation"] == "not placeable"  # assessed: no bound in public


def test_at_least_and_up_to_three_million_meet_only_at_three_million():
    iv = E.intervals(KEYED)
    meet = E.intersect(iv.loc["e05"], iv.loc["e10"])
    assert (meet.lo, meet.hi, meet.is_empty) == (3e6, 3e6, False)
    assert E.meet_verdict(meet) == E.MEET_OPTIONS[1]
    touching = E.intersect(iv.loc["n23"], iv.loc["e10"])  # "over 3 million" vs "up to 3 million"
    assert touching.is_empty and touching.notation == "empty" and E.meet_verdict(touching) == E.MEET_OPTIONS[2]
    wide = E.intersect(iv.loc["e04"], iv.loc["e05"])
    assert wide.notation == "[3,000,000 to 4,800,000]" and E.meet_verdict(wide) == E.MEET_OPTIONS[0]
    assert E.intersect(iv.loc["e02"], iv.loc["e10"]).is_empty  # "nearly 5 million" cannot be "up to 3 million"
    with pytest.raises(ValueError, match="cannot intersect km with miles"):
        E.intersect(iv.loc["e12"], iv.loc["e11"])


def test_pairwise_pairs_only_placeable_rows_of_the_same_unit():
    iv = E.intervals(KEYED.loc[["e01", "e04", "e05", "e10", "e12", "n26"]])
    pairs = E.pairwise(iv)
    assert {(a, b) for a, b in zip(pairs.a, pairs.b, strict=True)} == {
        ("e04", "e05"), ("e04", "e10"), ("e05", "e10"), ("e12", "n26")}
    assert pairs.set_index(["a", "b"]).loc[("e12", "n26"), "notation"] == "[884.5 to 885.5]"


# ---- per-unit, Fermi, units ----

def test_per_container_and_the_fermi_weight_check():
    per = E.per_unit(KEYED, "e04", "e03")
    assert per == 480
    assert E.fermi_tonnes(per) == pytest.approx(21.6)
    assert E.fermi_verdict(21.6) == E.FERMI_OPTIONS[0]
    assert E.fermi_verdict(40) == E.FERMI_OPTIONS[1] and E.fermi_verdict(5) == E.FERMI_OPTIONS[2]
    assert "not facts about these shipments" in E.ASSUMPTIONS and "45 kg" in E.ASSUMPTIONS
    assert "fact-check" in E.ASSUMPTIONS and "AP" not in E.ASSUMPTIONS  # a working figure, not a sourced fact
    assert "our working figure; whether it includes propellant was not checked" in E.ASSUMPTIONS
    assert not [w for w in ("NATO", "155", "projectile") if w in E.ASSUMPTIONS]


def test_miles_and_kilometres():
    assert E.to_km(550) == pytest.approx(885.1392) and E.to_miles(900) == pytest.approx(559.2341, abs=1e-4)
    assert E.convert(E.convert(123.0, "km", "miles"), "miles", "km") == pytest.approx(123.0)
    assert E.convert(5, "km", "km") == 5
    assert E.to_km(pd.Series([550.0])).iloc[0] == pytest.approx(885.1392)
    with pytest.raises(ValueError, match="unknown unit 'leagues'"):
        E.convert(1, "leagues", "km")


# ---- keys for the hidden tests ----

@pytest.mark.parametrize(("kind", "item", "accept"), [
    ("est_bound", "e02", ["near_below"]), ("est_bound", "e13", ["lower"]),
    ("est_measure", "e02", ["count", "derived", "capacity"]), ("est_measure", "e11", ["capability", "derived"]),
    ("est_unit", "e11", ["km"]), ("est_derived", "e02", ["e04: up to 4.8 million artillery shells"]),
    ("est_meet", "e10", ["[3,000,000 to 3,000,000]"]), ("est_meet_choice", "e10", [E.MEET_OPTIONS[1]]),
    ("est_fermi_choice", "e04", [E.FERMI_OPTIONS[0]]), ("est_same_quantity", "e05", ["e02", "e05", "e10"]),
])
def test_choice_keys_are_built_from_the_key_rows(kind, item, accept):
    key = assign.key_entry({"table": "estimates", "item": item, "kind": kind})
    assert key["accept"] == accept and len(key["why"]) > 40


@pytest.mark.parametrize(("kind", "item", "value", "tolerance", "unit"), [
    ("est_per_unit", "e04", 480, 1, "shells per container"), ("est_per_unit", "n08", 447.7612, 1, "shells per container"),
    ("est_convert", "e11", 885.1392, 1, "km"), ("est_convert", "e12", 559.2341, 1, "miles"),
    ("est_fermi", "e04", 21.6, 0.1, "t"),
])
def test_number_keys_state_value_tolerance_and_unit(kind, item, value, tolerance, unit):
    key = assign.key_entry({"table": "estimates", "item": item, "kind": kind})
    assert (key["kind"], key["value"], key["tolerance"], key["unit"]) == ("number", pytest.approx(value), tolerance, unit)


# ---- reading code answers ----

def test_code_answers_are_read_by_shape_as_plain_data_and_never_raise(capsys):
    from newslit.grading import plain

    iv = E.intervals(KEYED)
    meet = E.intersect(iv.loc["e05"], iv.loc["e10"])
    ns = {"rows": KEYED.loc[["e02", "e05"]], "mask": KEYED.index.to_series().isin(["e05"]), "ids": ("e05",),
          "meet": meet, "pair": (1, 2), "one": pd.Series([21.6]), "ratio": pd.Series({"n08": 447.8}), "text": "21.6 t",
          "int": 480, "blank": None}

    class Sneaky(float):  # a student's own type: its code must not run while it is graded
        def __float__(self):
            raise RuntimeError("ran student code")

    class Hostile(dict):
        def __contains__(self, item):
            raise RuntimeError("ran student code")

    ns.update(sneaky=Sneaky(480.0), hostile=Hostile(n08=1.0), sneaky_series=pd.Series({"n08": Sneaky(1.0)}, dtype=object))
    read = E.code_answer
    expected = [
        ("missing", "x", "number", None), ("blank", "x", "ids", None), ("rows", "x", "ids", ["e02", "e05"]), ("mask", "x", "ids", ["e05"]),
        ("ids", "x", "ids", ["e05"]), ("meet", "x", "interval", "[3,000,000 to 3,000,000]"),
        ("pair", "x", "interval", "[1 to 2]"), ("text", "x", "interval", "not an interval (str)"),
        ("one", "x", "number", 21.6), ("int", "x", "number", 480.0), ("text", "x", "number", "21.6 t"),
        ("ratio", "n08", "element", 447.8), ("ratio", "n13", "element", "no entry for n13"),
        ("sneaky", "x", "number", "not a number (an object)"), ("hostile", "n08", "element", "not a Series (an object)"),
        ("sneaky_series", "n08", "element", "not a number (an object)"), ("text", "x", "ids", "21.6 t"),
        ("int", "x", "ids", "not rows of the table (int)"),
    ]
    for name, item, shape, want in expected:
        got = read(ns, name, item, shape)
        assert got == ({} if want is None else {item: want}), name
        assert plain(got), name
    for name, shape in [("missing", "number"), ("text", "number"), ("text", "interval"), ("int", "ids"),
                        ("meet", "interval"), ("hostile", "element"), ("ratio", "element")]:
        E.describe(ns, name, shape, "n08")
    out = capsys.readouterr()
    assert out.err == "" and "not answered yet" in out.out and "✘" in out.out and "[3,000,000 to 3,000,000]" in out.out
    assert "ratio: answered (447.8)" in out.out


# ---- notebook support ----

def test_practice_feedback_reveals_practice_answers_only():
    check, why = E.practice_feedback("bound")("e10", "upper")
    assert check.status == "correct" and "ceiling" in why
    alternate = E.practice_feedback("bound")("e06", "approx")[0]  # accepted, and the best answer is named
    assert (alternate.status, alternate.message) == ("accepted", "'approx' is accepted; the best answer is 'exact'")
    assert E.practice_feedback("measure_kind")("e03", "capacity")[0].status == "wrong"
    with pytest.raises(KeyError, match="e02 is assessed"):
        E.practice_feedback("bound")("e02", "upper")
    with pytest.raises(KeyError, match="assessed"):
        E.worked_example("e11")


def test_context_marks_the_exact_span():
    assert "⟦up to 4.8 million artillery shells⟧" in E.in_context("e04")
    assert "(subheading)" in E.in_context("e02") and "outside the article" in E.in_context("n25")
    assert "capacity" in E.worked_example("e04") and "[0 to 4,800,000]" in E.worked_example("e04")


def test_with_answers_fills_only_known_rows_with_text():
    mine = E.with_answers(PUBLIC, "bound", {"e02": "near_below", "zz": "upper", "e09": None})
    assert mine.loc["e02", "bound"] == "near_below" and mine.loc["e09", "bound"] == "" and "zz" not in mine.index
    assert PUBLIC.loc["e02", "bound"] == ""


# ---- the number line ----

def test_plot_is_readable_without_colour():
    from matplotlib.colors import to_rgba

    rows = KEYED.loc[["e01", "e02", "e04", "e05", "e13"]].assign(unit="shells")
    ax = E.plot_intervals(rows, title="t")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1].startswith("e01") and labels[0].startswith("e13") and "(near_below)" in labels[-2]
    bars = ax.patches
    assert len(bars) == 4 and {b.get_hatch() for b in bars} >= {"////", "\\\\\\\\", "xxxx"}
    assert all(to_rgba(b.get_facecolor()) == to_rgba("white") and to_rgba(b.get_edgecolor()) == to_rgba("black")
               for b in bars)
    faces = [to_rgba(line.get_markerfacecolor()) for line in ax.lines]
    assert to_rgba("white") in faces and to_rgba("black") in faces  # open and closed ends
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "not placeable" in texts and "(20 to ∞)" in texts and "[4,500,000 to 5,000,000)" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"end included", "end excluded", "no upper limit", "upper", "lower", "near_below"} <= set(legend)
    with pytest.raises(ValueError, match="plot one unit at a time"):
        E.plot_intervals(KEYED.loc[["e03", "e04"]])


def test_describe_survives_a_replaced_reader(monkeypatch, capsys):
    monkeypatch.setattr(E, "code_answer", lambda *a: {"": 480.0})
    E.describe({"meet": 1}, "meet", "interval")
    monkeypatch.setattr(E, "code_answer", lambda *a: None)
    E.describe({"meet": 1}, "meet", "number")
    out = capsys.readouterr()
    assert out.err == "" and out.out.count("could not be described") == 1 and "not answered yet" in out.out


def test_every_ex2_key_builds_from_the_given_course_alone(monkeypatch):
    """A non-editable install has no repository of its own: ex2's keys must read only the root given to
    key_entry (in CI every ex2 item needing another keyed row scored 0 with a DataError)."""
    import nbformat

    real = data._Source.repo_dir
    monkeypatch.setattr(data._Source, "repo_dir", staticmethod(lambda root=None: real(root) if root else None))
    with pytest.raises(data.DataError):
        data.load("estimates", with_key=True)  # the stand-in for a non-editable install holds
    specs = assign.items(nbformat.read(ROOT / "solutions" / "ex2" / "ex2.ipynb", as_version=4))
    keys = {gid: assign.key_entry(spec, ROOT) for gid, spec in specs.items()}
    assert len(keys) == 20 and all(k.get("why") for k in keys.values())
