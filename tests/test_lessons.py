"""The lessons' helpers: the article marked up by claim type, scope marking, practice questions."""

import re
from pathlib import Path

import nbformat
import pytest

from newslit import data, lessons, widgets
from newslit.lessons import (
    Question,
    claim_cue,
    claim_label,
    claim_source,
    estimate_bound,
    mark_scope,
    practice,
    render_article,
    slip_question,
    source_bearing,
    trace_chain,
)

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = data.load("claims")
ASSESSED = list(CLAIMS.index[CLAIMS.role == "assessed"])
PUBLIC = list(CLAIMS.index[CLAIMS.role != "assessed"])
TAGGED = re.compile(r"\[(OWN VOICE|ATTRIBUTED|HEDGED|DENIED|OPINION|\?) (c\d\d)\]⟦([^⟧]*)⟧")


def test_render_article_labels_public_claims_and_hides_assessed_even_with_the_key():
    keyed = data.load("claims", with_key=True)
    for table in (CLAIMS, keyed):
        text = render_article(table).text
        found = {cid: (name, span) for name, cid, span in TAGGED.findall(text)}
        assert set(found) == set(CLAIMS.index)
        for cid in ASSESSED:
            assert found[cid] == ("?", CLAIMS.loc[cid, "span"])
        for cid in PUBLIC:
            assert found[cid] == (lessons.STYLES[CLAIMS.loc[cid, "label"]][0], CLAIMS.loc[cid, "span"])


def test_render_article_text_is_the_article_once_the_tags_are_removed():
    text = render_article().text
    plain = TAGGED.sub(lambda m: m.group(3), text).replace("## ", "")
    assert plain == "\n\n".join(data.article_text().split("\n"))


def test_render_article_html_carries_tag_and_pattern_for_each_claim():
    out = render_article().html
    assert out.count("<span style=") == len(CLAIMS)
    assert "<b style='font-size:80%'>[ATTRIBUTED c04]</b> “mutual assistance" in out
    assert "<b style='font-size:80%'>[? c08]</b> Both sides denied these reports" in out
    assert out.count("<h4>") == 2  # the two subheadings
    assert "Pyongang" in out  # typos kept


def test_render_article_paragraphs_and_labels_arguments():
    part = render_article(paragraphs=[2], labels={"c03": "opinion"}).text
    assert part.startswith("[OPINION c03]⟦Moscow and Pyongang") and "[? c04]" in part
    assert "c05" not in part
    with pytest.raises(ValueError, match="unknown label 'fact-ish'"):
        render_article(labels={"c01": "fact-ish"})


def test_legend_gives_every_type_its_own_tag_and_pattern():
    styles = list(lessons.STYLES.values()) + [lessons.UNKNOWN]
    assert len({s[0] for s in styles}) == len({s[3] for s in styles}) == len(data.LABELS) + 1
    text = lessons.legend().text
    for tag, _, _, pattern in styles:
        assert f"[{tag}]" in text and pattern in text


def test_mark_scope_tags_hedges_bounds_and_scope():
    m = mark_scope("which could contain up to 4.8 million artillery shells",
                   scope="contain up to 4.8 million artillery shells", hedges=["could"], bounds=["up to"])
    assert repr(m) == "which [HEDGE could] ⟨contain [BOUND up to] 4.8 million artillery shells⟩"
    assert "<span style='border:2px solid #007A5A;font-weight:bold;padding:0 2px'>[HEDGE] could</span>" in m.html
    whole = mark_scope("up to 9 & more", scope="up to 9 & more", bounds=["up to"])
    assert repr(whole) == "⟨[BOUND up to] 9 & more⟩" and "9 &amp; more" in whole.html


@pytest.mark.parametrize("kwargs, message", [
    ({"scope": "nowhere"}, "scope 'nowhere' is not in the sentence"),
    ({"scope": "b c", "hedges": ["b c"], "bounds": ["c d"]}, "overlap"),
    ({"scope": "b c", "hedges": ["a b"]}, "straddles"),
])
def test_mark_scope_refuses_bad_marks(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mark_scope("a b c d", **kwargs)


def test_choice_feedback_explains_right_accepted_and_wrong_answers():
    q = Question("q1", "?", "distances", "Why it distances.", options=("endorses", "neutral", "distances"),
                 alternates=("neutral",), hints={"endorses": "Tempting because…", "neutral": "Close, but…"})
    check, why = q.feedback("distances")
    assert (check.status, why) == ("correct", "Why it distances.")
    check, why = q.feedback("neutral")
    assert check.status == "accepted" and why == "Close, but… Why it distances."
    check, why = q.feedback("endorses")
    assert check.status == "wrong" and "it is 'distances'" in check.message and why.startswith("Tempting")
    assert q.feedback("maybe")[0].status == "invalid"


def test_label_cue_and_number_questions_normalise_answers():
    label = Question("q", "?", "hedged", "w", kind="label", alternates=("attributed",))
    assert label.check(" Hedged ").status == "correct" and label.check("attributed").status == "accepted"
    cue = Question("q", "?", ("according to",), "w", kind="cue")
    assert cue.check("“According  to”").status == "correct" and cue.check("said").status == "wrong"
    number = Question("q", "?", 885.0, "w", kind="number", tolerance=5, unit="km")
    assert number.check("881").status == "correct" and number.check(900.0).status == "wrong"
    assert number.check("far").status == "invalid"


def test_invented_questions_say_so_and_escape_the_sentence():
    q = lessons.invented("i1", "A <b> & C.", "Which label?", "opinion", "w", kind="label")
    item = q.item()
    assert "Invented for practice" in item.prompt and "A &lt;b&gt; &amp; C." in item.prompt
    assert item.kind == "choice" and item.options == data.LABELS


def test_claim_questions_use_worked_and_practice_claims_only():
    for cid in ASSESSED:
        for make in (claim_label, claim_cue, lambda c: claim_source(c, ["the outlet"])):
            with pytest.raises(KeyError, match="assessed"):
                make(cid)
    q = claim_label("c09")
    # c09 follows the printed rule order: 'would' for a consequence is conditional (rule 3) before rule 5
    assert (q.answer, q.alternates, q.check("stated as fact").status) == ("hedged", ("stated as fact",), "accepted")
    assert q.check("opinion").status == "wrong"  # rule 2 needs an evaluation no record could settle
    assert "not a word of doubt" not in q.why and claim_label("c05").check("denied").status == "accepted"
    assert claim_cue("c05").check("Reports of").status == "correct"
    assert "Type the reporting word(s)" in claim_cue("c05").prompt and "hedged" not in claim_cue("c05").prompt
    assert "Type the word(s) that make it hedged" in claim_cue("c21").prompt
    assert "reporting" not in claim_cue("c21").prompt and claim_cue("c21").check("to come").status == "correct"
    assert claim_cue("c21").check("by the end of this year").status == "correct"
    with pytest.raises(ValueError, match="no cue word"):
        claim_cue("c03")
    src = claim_source("c21", ["the outlet", "Wolfgang Richter"])
    assert src.check("Wolfgang Richter").status == "correct" and src.why.startswith("The source is Wolfgang Richter.")
    assert "signalled by" not in src.why and "'to come' do not hand the claim to anyone" in src.why
    assert claim_source("c05", ["unnamed reports"]).why == "The source is unnamed reports, signalled by 'reports of'."
    assert "signalled" not in claim_source("c09", ["the outlet"]).why  # 'would' is not an attribution cue
    with pytest.raises(ValueError, match="not among the options"):
        claim_source("c21", ["the outlet"])


def test_practice_form_gives_immediate_elaborated_feedback():
    qs = [claim_label("c21"), Question("n1", "How many?", 480.0, "4.8 million / 10,000.", kind="number", tolerance=1)]
    assert practice("t-practice", qs, recorded=None) == {}
    form = widgets.live_form("t-practice")
    try:
        form.controls["c21"].value = "stated as fact"
        note = form.notes["c21"].value
        assert "not the best reading: it is 'hedged'" in note and "A future delivery is a prediction" in note
        form.controls["n1"].value = "480"
        assert "480 is within ±1 of 480" in form.notes["n1"].value and "4.8 million / 10,000." in form.notes["n1"].value
    finally:
        form.close()
        widgets._LIVE.pop("t-practice", None)
    with pytest.raises(ValueError, match="unique"):
        practice("t-dup", [qs[0], qs[0]])


def test_estimate_bound_uses_worked_and_practice_figures_only():
    est = data.load("estimates")
    q = estimate_bound("e06")
    assert q.check("exact").status == "correct" and q.check("approx").status == "accepted"
    assert "⟦a million shells⟧" in q.item().prompt
    for eid in est.index[est["role"].isin(["assessed", ""])]:
        with pytest.raises(KeyError, match="not a worked or practice figure"):
            estimate_bound(eid)


def test_source_bearing_uses_practice_reports_on_public_claims_only():
    q = source_bearing("src20", "c18", "The pledge is not the shortfall.")
    assert q.answer == "does not settle" and q.options == data.BEARINGS  # a pledge cannot show a shortfall
    assert "Al Jazeera, 2023-03-20" in q.prompt and "https://www.aljazeera.com/" in q.prompt
    sources = data.load("sources")
    for sid in sources.index[sources["role"] == "assessed"]:
        claim = sources.loc[sid, "claims"].split("|")[0]
        with pytest.raises(KeyError):
            source_bearing(sid, claim, "why")
    with pytest.raises(KeyError, match="not a practice report on c03"):
        source_bearing("src20", "c03", "why")


def test_slip_questions_use_worked_and_practice_slips_only():
    kind, effect = slip_question("slip06"), slip_question("slip06", "effect")
    assert kind.check("wrong name or credential").status == "correct" and kind.check("typo").status == "wrong"
    assert effect.id == "slip06-effect" and effect.check("does not change the claim").status == "correct"
    assert "⟦Wosnik⟧" in kind.prompt
    assert slip_question("slip02").check("wrong word").status == "accepted"
    slips = data.load("slips")
    for sid in slips.index[slips["role"] == "assessed"]:
        with pytest.raises(KeyError, match="assessed"):
            slip_question(sid)


def test_plot_figures_names_rows_by_source_with_a_text_tag_for_what_is_measured():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    est = data.load("estimates")
    ax = lessons.plot_figures(est.loc[["n17", "e04"]], title="t")
    try:
        labels = [t.get_text() for t in ax.get_yticklabels()]
    finally:
        plt.close(ax.figure)
    assert labels == ["e04 · Shin Won-sik\n2024-06-14 [capacity] (upper)",
                      f"n17 · {est.loc['n17', 'source']}\n2023-11 [count] (lower)"]
    assert not any(est.loc["n17", "outlet"] in label for label in labels)


def test_trace_chain_numbers_the_steps_with_arrows_in_text_and_html():
    chain = trace_chain([("A <source>", "said it"), ("B", "passed it on")])
    assert repr(chain) == "1. A <source>: said it\n   ↓ passed on to\n2. B: passed it on"
    assert chain.html.count("<li") == 2 and chain.html.count("↓") == 1 and "A &lt;source&gt;" in chain.html


LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_lesson_notebooks_are_plain_and_keep_outputs_only_where_nbval_checks_them(path):
    nb = nbformat.read(path, as_version=4)
    assert "nbgrader" not in str(nb.metadata) and all("nbgrader" not in c.metadata for c in nb.cells)
    code = [c for c in nb.cells if c.cell_type == "code"]
    strict = [c for c in code if c.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert strict and all(c.outputs for c in strict)
    assert all(not c.outputs and c.execution_count is None for c in code if c not in strict)
    source = "\n".join(c.source for c in code)
    for table, pattern in (("claims", r"c\d\d"), ("estimates", r"[en]\d\d"), ("slips", r"slip\d\d"),
                           ("sources", r"src\d\d")):
        rows = data.load(table)
        used = set(re.findall(rf"\"({pattern})\"", source)) & set(rows.index)
        assert not used & set(rows.index[rows["role"] == "assessed"]), f"{path.name} uses assessed {table}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_every_practice_question_can_be_answered_right(path, monkeypatch, capsys):
    """Run the lesson's code in-process, collect its questions: each answer (and hint) is among the options."""
    import matplotlib

    matplotlib.use("Agg")
    asked = {}
    monkeypatch.setattr(lessons, "practice", lambda qid, questions, recorded=None: asked.setdefault(qid, questions))
    namespace = {}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            exec(compile(cell.source, path.name, "exec"), namespace)
    assert len(asked) >= 4
    for qid, questions in asked.items():
        for q in questions:
            right = q.answer[0] if q.kind == "cue" else q.answer
            assert q.check(right).status == "correct", (qid, q.id)
            assert q.why and all(q.check(h).status in ("wrong", "accepted") for h in q.hints), (qid, q.id)
            for h, hint in q.hints.items():  # a hint shown beside "accepted" must not read as a rejection
                assert q.check(h).status != "accepted" or "accepted" in hint.lower(), (qid, q.id, h)
            if q.kind in ("choice", "label"):
                assert set(q.alternates) <= set(q.item().options), (qid, q.id)


def _rules_table(nb_path: Path, heading: str) -> list[str]:
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and heading in c.source)
    return [line for line in cell.source.splitlines() if line.startswith("|")]


def test_lesson_2_and_exercise_1_print_the_same_rules_table():
    """One rules table, cue words included (issue 17): a student never meets two versions of the rules."""
    lesson = _rules_table(ROOT / "lessons" / "02-how-sure.ipynb", "## 1. Five labels, five rules, one order")
    exercise = _rules_table(ROOT / "solutions" / "ex1" / "ex1.ipynb", "## 1. The five labels and the decision rules")
    assert lesson == exercise and len(lesson) == 7
    rule4 = next(line for line in lesson if line.startswith("| 4 |"))
    assert "reported" not in rule4  # "reportedly" is a hedge (rule 3); rule 4 keeps plain reporting verbs


def test_lesson_4_gives_outside_method_names_only_as_background():
    """factcheck.md records nothing on SIFT or its authors: such detail is labelled background, never asked."""
    intro = nbformat.read(ROOT / "lessons" / "04-reading-laterally.ipynb", as_version=4).cells[0].source
    assert "Background, for the curious (not from the course's fact-check, and never asked about)" in intro
    assert not [w for w in ("Digital Inquiry", "Stanford", "Caulfield", "four moves") if w in intro]


def test_the_own_voice_tag_names_the_voice_not_the_truth():
    assert lessons.tag("stated as fact", "c01") == "[OWN VOICE c01]"
    assert "FACT" not in render_article().text
