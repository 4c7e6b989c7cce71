"""Exercise 3 data (sources, verdicts, slips) and newslit.sources: integrity, no leaks, keys, mission table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import ROOT

from newslit import assign, data, grading, sources
from newslit.data import EFFECTS, SLIP_KINDS, VERDICTS

ARTICLE_DATE = "2024-06-19"
RESEARCH = Path("/work/shared/research/factcheck.md")
CONSISTENT = {"confirmed": {"corroborates", "refines"}, "contradicted": {"contradicts"},
              "unverified": {"does not settle"}}


@pytest.fixture(scope="module")
def src():
    return data.load("sources", root=ROOT, with_key=True)


@pytest.fixture(scope="module")
def ver():
    return data.load("verdicts", root=ROOT, with_key=True)


@pytest.fixture(scope="module")
def slp():
    return data.load("slips", root=ROOT, with_key=True)


def ids(cell):
    return sources.split_ids(cell)


def words(text):
    return re.findall(r"[\w']+", text.casefold().replace("’", "'"))


def ngrams(text, n):
    w = words(text)
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


# --- sources.csv ------------------------------------------------------------------------------

def test_every_source_has_outlet_date_url_and_something_it_bears_on(src):
    assert len(src) == 41
    for sid, r in src.iterrows():
        assert r["outlet"] and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", r["date"]), sid
        assert r["url"].startswith(("http://", "https://")), sid
        assert ids(r["claims"]) or ids(r["estimates"]), sid


def test_claims_and_estimates_a_source_bears_on_exist(src):
    claims = set(data.load("claims", root=ROOT).index)
    estimates = set(data.load("estimates", root=ROOT).index)
    for sid, r in src.iterrows():
        assert set(ids(r["claims"])) <= claims, sid
        assert set(ids(r["estimates"])) <= estimates, sid


def test_bearing_of_rows_tied_to_assessed_items_is_only_in_the_key(src, ver, slp):
    public = data.load("sources", root=ROOT)
    assessed = set(ver.index[ver["role"] == "assessed"])
    slip_rows = {s for _, r in slp[slp["role"] == "assessed"].iterrows() for s in ids(r["evidence"])}
    for sid, r in src.iterrows():
        if set(ids(r["claims"])) & assessed or sid in slip_rows:
            assert r["role"] == "assessed" and public.loc[sid, "bearing"] == "", sid
    assert (public.loc[public["role"] != "assessed", "bearing"] != "").all()


def test_paraphrases_share_no_long_run_of_words_with_the_article(src):
    article = ngrams(data.article_text(ROOT), 12)
    for sid, r in src.iterrows():
        assert not ngrams(r["paraphrase"], 12) & article, sid


def test_course_texts_are_not_copied_from_the_research_notes(src, ver, slp):
    if not RESEARCH.is_file():
        pytest.skip("research notes not available")
    notes = ngrams(RESEARCH.read_text(encoding="utf-8"), 8)
    texts = [(sid, r["paraphrase"]) for sid, r in src.iterrows()]
    texts += [(cid, r[c]) for cid, r in ver.iterrows() for c in ("explanation", "evidence_why")]
    texts += [(sid, r[c]) for sid, r in slp.iterrows() for c in ("problem", "effect_why")]
    copied = [(i, sorted(ngrams(t, 8) & notes)[:1]) for i, t in texts if ngrams(t, 8) & notes]
    assert copied == []


# --- verdicts.csv: only read, pre-article, on-point rows decide --------------------------------

def test_deciding_rows_are_read_before_the_article_on_the_claim_and_agree_with_the_verdict(src, ver):
    for cid, v in ver.iterrows():
        shown = ids(v["shown"])
        assert len(shown) == len(set(shown)) >= 3 and set(shown) <= set(src.index), cid
        deciding = ids(v["deciding"])
        assert deciding and set(deciding) <= set(shown), cid
        for sid in deciding:
            r = src.loc[sid]
            assert r["evidence"] in sources.DECIDING_EVIDENCE, (cid, sid)
            assert r["date"][:10] <= ARTICLE_DATE, (cid, sid)
            assert cid in ids(r["claims"]), (cid, sid)
            assert r["bearing"] in CONSISTENT[v["verdict"]], (cid, sid)
        assert v["verdict"] not in ids(v["accept"]), cid


def test_mem_and_post_article_rows_never_decide(src, ver, slp):
    deciding = {s for _, v in ver.iterrows() for s in ids(v["deciding"])}
    evidence = {s for _, r in slp.iterrows() for s in ids(r["evidence"])}
    mem = set(src.index[src["evidence"] == "MEM"])
    later = set(src.index[src["date"].str[:10] > ARTICLE_DATE])
    shown = {s for _, v in ver[ver["role"] == "assessed"].iterrows() for s in ids(v["shown"])}
    assert mem & shown, "students should meet a MEM row among the graded claims' reports"
    assert not (mem | later) & (deciding | evidence)


def test_each_verdict_is_used_and_roles_are_as_the_notebook_expects(ver):
    assessed = ver[ver["role"] == "assessed"]
    assert set(assessed["verdict"]) == set(VERDICTS)
    assert list(assessed.index) == ["c06", "c11", "c13", "c15", "c19", "c20", "c26", "c29"]
    assert dict(ver.loc[["c11", "c15", "c19"], "verdict"]) == {"c11": "contradicted", "c15": "unverified",
                                                              "c19": "contradicted"}


# --- slips.csv ----------------------------------------------------------------------------------

CERTAIN = {"Pyongang": "typo", "at this would mean": "typo", "Wosnik": "wrong name or credential",
           "collaborated": "wrong word", "artillery shots": "wrong word"}
CHECKED = {"up to 10,000": "reversed bound", "report by US intelligence spoke of “at least 3 million”": "misattribution",
           "Austrian": "wrong name or credential", "550 miles (900 kilometers)": "unit",
           "showed KN-23 and KN-25": "overstated wording", "declassified": "overstated wording"}


def test_the_known_slips_are_there_with_their_kind_and_confidence(slp):
    by_span = {r["span"]: r for _, r in slp.iterrows()}
    for span, kind in CERTAIN.items():
        assert (by_span[span]["kind"], by_span[span]["confidence"]) == (kind, "certain from the text"), span
    for span, kind in CHECKED.items():
        assert by_span[span]["kind"] == kind, span
        assert by_span[span]["confidence"] in ("verified elsewhere", "probable"), span


def test_slip_rows_are_consistent(slp, src):
    text = data.article_text(ROOT)
    for sid, r in slp.iterrows():
        assert text[r["start"]:r["end"]] == r["span"], sid
        assert (r["kind"] == "no slip") == (r["effect"] == "nothing to correct"), sid
        assert r["kind"] not in ids(r["alternates"]), sid
        if r["confidence"] != "certain from the text":
            assert ids(r["evidence"]), sid
        for s in ids(r["evidence"]):
            assert src.loc[s, "evidence"] in sources.DECIDING_EVIDENCE, (sid, s)
    assert list(slp["start"]) == sorted(slp["start"])


def test_public_ex3_texts_do_not_name_exercise_1_labels(ver, slp):
    public = [*data.load("verdicts", root=ROOT).loc[:, ["explanation", "evidence_why"]].to_numpy().ravel(),
              *data.load("slips", root=ROOT).loc[:, ["problem", "effect_why"]].to_numpy().ravel(),
              *data.load("sources", root=ROOT)["paraphrase"]]
    keyed = [*ver["explanation"], *ver["evidence_why"], *slp["problem"], *slp["effect_why"]]
    for text in public + keyed:
        assert not re.search(r"\b(stated as fact|attributed|hedged|opinion|label)\b", text, re.I), text


# --- newslit.sources ----------------------------------------------------------------------------

def test_items_offer_the_right_options_and_show_the_claim():
    items = sources.verdict_items(["c11"])
    assert items[0].options == VERDICTS and "⟦" in items[0].prompt and "src09" in items[0].prompt
    assert sources.evidence_items(["c11"])[0].options == ("src09", "src10", "src16", "src13")
    assert [i.options for i in sources.slip_items(["slip05"], "effect")] == [EFFECTS]
    assert sources.slip_items(["slip05"])[0].options == SLIP_KINDS
    assert "⟦up to 10,000⟧" in sources.slip_items(["slip05"])[0].prompt


def test_public_helpers_never_show_assessed_answers():
    for helper, item in ((sources.worked_verdict, "c11"), (sources.worked_slip, "slip05")):
        with pytest.raises(KeyError, match="assessed"):
            helper(item)
    with pytest.raises(KeyError):
        sources.verdict_feedback("c15", "unverified")
    assert "src31" in sources.worked_verdict("c30")


def test_practice_feedback_accepts_alternates_and_explains():
    check, why = sources.verdict_feedback("c08", "confirmed")
    assert check.status == "correct" and "src04" in why
    assert sources.verdict_feedback("c08", "contradicted")[0].status == "wrong"
    check, why = sources.slip_feedback("slip02", "wrong word")
    assert check.credit == 1 and "does not change the claim" in why
    assert sources.slip_feedback("slip03", "typo")[0].status == "wrong"


def test_article_map_marks_every_candidate_once():
    page = sources.article_with_slips()
    assert page.count("⟦") == 15 and all(f"<sup>{s}</sup>" in page for s in sources.slips())


def test_cite_and_split():
    assert sources.cite("src09") == "src09 (Kyiv Independent, 2024-06-14)"
    assert sources.cite("nope") == "nope" and sources.cite(None) == "None"
    assert sources.split_ids("a|b||c") == ["a", "b", "c"] and sources.split_ids("") == []


@pytest.mark.parametrize(("kind", "item", "right", "wrong"), [
    ("verdict", "c19", "unverified", "confirmed"),
    ("verdict_evidence", "c06", "src27", "src25"),
    ("slip_kind", "slip07", "reversed bound", "typo"),
    ("slip_effect", "slip09", "does not change the claim", "changes the claim"),
])
def test_keys_score_through_grade(kind, item, right, wrong):
    table = "slips" if kind.startswith("slip") else "verdicts"
    key = assign.key_entry({"table": table, "item": item, "kind": kind}, root=ROOT)
    assert grading.score({item: right}, item, key).earned == 1.0
    assert grading.score({item: wrong}, item, key).earned == 0.0
    for junk in (None, [], {item: ["src27"]}, {item: 3}, {item: "not an option"}):
        assert grading.score(junk, item, key).earned == 0.0
    assert key["why"] and "Why:" in grading.verdict_html(grading.score({item: wrong}, item, key), key)


# --- the mission table ----------------------------------------------------------------------------

def test_mission_table_puts_confirmed_facts_first_beside_the_framing(ver):
    assessed = ver[ver["role"] == "assessed"]
    verdicts = {c: v["verdict"] for c, v in assessed.iterrows()}
    evidence = {c: ids(v["deciding"])[0] for c, v in assessed.iterrows()}
    table = sources.mission_table(verdicts, evidence, {"c11": "attributed"}, {"c03": "confirmed"})
    assert len(table) == 14 and table.index[0] in ("c30", "c03")
    groups = list(table["in the table as"])
    assert groups == sorted(groups, key=sources.GROUPS.index)
    assert table.loc["c11", "how the article holds it"] == "attributed"
    assert table.loc["c11", "in the table as"] == "contradicted"
    assert table.loc["c11", "key evidence"].startswith("src09 (Kyiv Independent")
    assert table.loc["c22", "verdict"] == "unverified (worked example)"
    assert table.loc["c08", "in the table as"] == "not answered yet"


@pytest.mark.parametrize("junk", [None, [], "confirmed", {"c11": 5, "c15": ["unverified"], "zz": "confirmed"}])
def test_mission_table_never_raises_on_odd_answers(junk):
    table = sources.mission_table(junk, junk, junk, junk)
    assert table.loc["c11", "verdict"] == "not answered yet" and table.loc["c11", "key evidence"] == "—"
