"""Helpers for the ungraded lessons: the article marked up by claim type, and practice questions.

Everything shown here is public: worked and practice claims carry their labels and reasons,
assessed claims appear only as unlabelled ``[?]`` spans, and invented sentences are marked as
invented. Every visual carries a text tag and a pattern as well as a colour, so it reads
without colour, and each rendered object has a plain-text form (its ``repr``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

from newslit import data, estimates
from newslit.answers import Check, check_choice, check_cue, check_label, check_number
from newslit.claims import in_context
from newslit.data import LABELS
from newslit.widgets import Item, ask

# label -> (text tag, background, CSS line, pattern in words): Okabe-Ito colours, each type with its own line pattern.
STYLES = {
    # the tag names the voice, not the truth: "stated as fact" is what the outlet asserts, true or not
    "stated as fact": ("OWN VOICE", "#dcebf7", "3px solid #0072B2", "solid underline"),
    "attributed": ("ATTRIBUTED", "#fcebc9", "3px dashed #B26B00", "dashed underline"),
    "hedged": ("HEDGED", "#d5f0e4", "3px dotted #007A5A", "dotted underline"),
    "denied": ("DENIED", "#f6dcea", "4px double #A8467F", "double underline"),
    "opinion": ("OPINION", "#f7f3c4", "underline wavy #6B6B00", "wavy underline"),
}
UNKNOWN = ("?", "#ffffff", "1px solid #555", "plain box, no colour")
MEANINGS = {
    "stated as fact": "label 'stated as fact': the outlet asserts it in its own voice, true or not",
    "attributed": "a source says it; the outlet reports it",
    "hedged": "marked possible, probable, conditional or future",
    "denied": "a party says it is false",
    "opinion": "an evaluation or counterfactual no record could settle",
}


@dataclass(frozen=True)
class Marked:
    """Rendered text: HTML in a notebook, tagged plain text as its ``repr`` (screen readers, nbval)."""

    html: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def tag(label: str | None, claim_id: str = "") -> str:
    """The text tag of a claim type, e.g. ``[ATTRIBUTED c04]``; ``[? c02]`` when not shown."""
    name = STYLES[label][0] if label else UNKNOWN[0]
    return f"[{name} {claim_id}]" if claim_id else f"[{name}]"


def public_labels(claims=None) -> dict[str, str]:
    """Labels of worked and practice claims only: assessed claims are never labelled."""
    c = data.load("claims") if claims is None else claims
    shown = c[c["role"].isin(["worked", "practice"])]
    return dict(zip(shown["claim_id"], shown["label"], strict=True))


def _span_style(label):
    _, bg, line, _ = STYLES[label] if label else UNKNOWN
    if label is None:
        return f"border:{line};padding:0 2px"
    if label == "opinion":
        return f"background:{bg};text-decoration:{line};text-decoration-thickness:2px;padding:0 1px"
    return f"background:{bg};border-bottom:{line};padding:0 1px"


def legend() -> Marked:
    """Key to the claim types: tag, pattern and meaning (a table, readable without colour)."""
    rows = [(tag(lab), STYLES[lab][3], MEANINGS[lab], lab) for lab in LABELS]
    rows.append(("[?]", UNKNOWN[3], "you label it yourself in exercise 1", None))
    cells = "".join(
        f"<tr><td><span style='{_span_style(lab)}'><b>{t}</b> sample</span></td><td>{p}</td><td>{m}</td></tr>"
        for t, p, m, lab in rows)
    html_ = ("<table role='table' aria-label='Key to claim types'><thead><tr><th>Tag</th><th>Pattern</th>"
             f"<th>Meaning</th></tr></thead><tbody>{cells}</tbody></table>")
    text = "Key:\n" + "\n".join(f"  {t:<13} {p:<29} {m}" for t, p, m, _ in rows)
    return Marked(html_, text)


def render_article(claims=None, labels: Mapping[str, str] | None = None, paragraphs=None) -> Marked:
    """The article (typos kept) with every claim highlighted by type: colour, pattern and a text tag.

    ``labels`` maps claim ids to the labels shown (default: worked and practice claims only);
    every other claim is an unlabelled ``[?]`` span. ``paragraphs`` picks paragraph numbers.
    """
    c = data.load("claims") if claims is None else claims
    shown = public_labels(c) if labels is None else dict(labels)
    unknown = [v for v in shown.values() if v not in STYLES]
    if unknown:
        raise ValueError(f"unknown label {unknown[0]!r}; labels are {', '.join(LABELS)}")
    text = data.article_text()
    sentences = data.load("sentences")
    keep = set(sentences["paragraph"]) if paragraphs is None else set(paragraphs)
    spans = sorted(zip(c["start"], c["end"], c["claim_id"], strict=True))
    html_parts, text_parts = [], []
    for _, rows in sentences[sentences["paragraph"].isin(keep)].groupby("paragraph", sort=True):
        start, end = int(rows["start"].min()), int(rows["end"].max())
        heading = (rows["kind"] == "subheading").all()
        h, t, pos = [], [], start
        for s, e, cid in spans:
            if s < start or e > end:
                continue
            if s < pos:
                raise ValueError(f"claim {cid} overlaps the claim before it")
            label = shown.get(cid)
            h.append(html.escape(text[pos:s]))
            h.append(f"<span style='{_span_style(label)}'><b style='font-size:80%'>{tag(label, cid)}</b> "
                     f"{html.escape(text[s:e])}</span>")
            t.append(text[pos:s] + f"{tag(label, cid)}⟦{text[s:e]}⟧")
            pos = e
        h.append(html.escape(text[pos:end]))
        t.append(text[pos:end])
        body = "".join(h)
        html_parts.append(f"<h4>{body}</h4>" if heading else f"<p style='line-height:2'>{body}</p>")
        text_parts.append(("## " if heading else "") + "".join(t))
    return Marked("<div>" + "".join(html_parts) + "</div>", "\n\n".join(text_parts))


def _find(sentence: str, phrase: str, what: str) -> tuple[int, int]:
    i = sentence.find(phrase)
    if not phrase or i < 0:
        raise ValueError(f"{what} {phrase!r} is not in the sentence")
    return i, i + len(phrase)


def mark_scope(sentence: str, scope: str, hedges=(), bounds=()) -> Marked:
    """A sentence with its hedge words tagged [HEDGE], bound words [BOUND] and the hedge's scope in ⟨ ⟩.

    Shows that a hedge ("could") qualifies a whole proposition while a bound ("up to") limits
    only a number. Each phrase is matched at its first occurrence.
    """
    s0, s1 = _find(sentence, scope, "scope")
    marks = sorted([(*_find(sentence, h, "hedge"), "HEDGE") for h in hedges]
                   + [(*_find(sentence, b, "bound"), "BOUND") for b in bounds])
    for (_, e, _), (s, _, _) in zip(marks, marks[1:], strict=False):
        if s < e:
            raise ValueError("hedge and bound phrases overlap")
    if any(i < s0 < j or i < s1 < j for i, j, _ in marks):
        raise ValueError("a hedge or bound phrase straddles the edge of the scope")
    style = {"HEDGE": "border:2px solid #007A5A;font-weight:bold;padding:0 2px",
             "BOUND": "border-bottom:3px double #B26B00;font-style:italic"}
    # (position, rank, html, text): at one position, closing comes before opening, scope outside marks
    events = [(s0, 2, "<span style='background:#eeeeee;border-bottom:1px solid #555'>⟨", "⟨"), (s1, 1, "⟩</span>", "⟩")]
    for i, j, kind in marks:
        events += [(i, 3, f"<span style='{style[kind]}'>[{kind}] ", f"[{kind} "), (j, 0, "</span>", "]")]
    html_out, text_out, pos = [], [], 0
    for p, _, h, t in sorted(events):
        html_out += [html.escape(sentence[pos:p]), h]
        text_out += [sentence[pos:p], t]
        pos = p
    html_out.append(html.escape(sentence[pos:]))
    text_out.append(sentence[pos:])
    return Marked("<div style='line-height:2'>" + "".join(html_out) + "</div>", "".join(text_out))


@dataclass(frozen=True)
class Question:
    """A practice question with immediate, elaborated feedback (never an assessed item).

    kind: "choice" (``answer`` is an option), "label" (a claim label), "cue" (``answer`` is a tuple
    of accepted words) or "number" (``answer`` ± ``tolerance``). ``hints`` explain tempting wrong
    options; ``why`` is shown after every answer.
    """

    id: str
    prompt: str  # HTML
    answer: object
    why: str
    kind: str = "choice"
    options: tuple = ()
    alternates: tuple = ()
    hints: dict = field(default_factory=dict)
    tolerance: float = 0.0
    unit: str = ""
    invented: bool = False

    def check(self, value) -> Check:
        if self.kind == "label":
            return check_label(self.id, value, self.answer, self.alternates)
        if self.kind == "cue":
            return check_cue(self.id, value, self.answer)
        if self.kind == "number":
            return check_number(self.id, value, self.answer, self.tolerance, self.unit)
        result = check_choice(self.id, value, [self.answer], self.options)
        if result.status == "wrong" and value in self.alternates:
            return Check(self.id, "accepted", f"'{value}' is accepted; the best answer is '{self.answer}'")
        if result.status == "wrong":
            return Check(self.id, "wrong", f"'{value}' is not the best answer: it is '{self.answer}'")
        return result

    def feedback(self, value) -> tuple[Check, str]:
        """(Check, explanation): the hint for a tempting wrong option first, then why."""
        result = self.check(value)
        hint = self.hints.get(value, "") if result.status in ("wrong", "accepted") else ""
        return result, " ".join(p for p in (hint, self.why) if p)

    def item(self) -> Item:
        mark = f"<b>{self.id}.</b> <i>(Invented for practice, not from the article.)</i> " if self.invented else ""
        kind = {"label": "choice", "cue": "text"}.get(self.kind, self.kind)
        options = LABELS if self.kind == "label" else self.options
        placeholder = {"cue": "cue word(s)", "number": "a number"}.get(self.kind, "")
        return Item(self.id, f"<div>{mark}{self.prompt}</div>", kind, tuple(options), placeholder)


def invented(qid: str, sentence: str, question: str, answer, why: str, **kw) -> Question:
    """A question on a made-up sentence, shown with an 'invented' notice."""
    prompt = f"<blockquote>{html.escape(sentence)}</blockquote>{question}"
    return Question(qid, prompt, answer, why, invented=True, **kw)


def _practice_row(claim_id: str):
    c = data.load("claims").loc[claim_id]
    if c["role"] == "assessed":
        raise KeyError(f"{claim_id} is assessed in exercise 1: lessons use worked and practice claims only")
    return c


def claim_label(claim_id: str, hints=None) -> Question:
    """Which label fits this worked/practice claim? ``hints``: label -> why it is tempting but not best."""
    c = _practice_row(claim_id)
    alternates = tuple(a for a in c["alternates"].split("|") if a)
    return Question(claim_id, in_context(claim_id) + "Which label fits what the text commits to?",
                    c["label"], c["explanation"], kind="label", alternates=alternates, hints=dict(hints or {}))


# What "cue" means depends on the label: the reporting words of an attributed or denied claim, the
# hedge word(s) of a hedged one. The prompt says which.
CUE_PROMPT = "Type the cue word(s) exactly as they appear in the sentence."
CUE_PROMPTS = {
    "hedged": "Type the word(s) that make it hedged, exactly as they appear in the sentence.",
    "attributed": "Type the reporting word(s) that hand the claim to its source, exactly as they appear in the sentence.",
    "denied": "Type the reporting word(s) that say a party denies it, exactly as they appear in the sentence.",
}


def claim_cue(claim_id: str) -> Question:
    """Type the cue word(s) of this worked/practice claim; the prompt says what kind of cue by the claim's label."""
    c = _practice_row(claim_id)
    accepted = tuple(a for a in c["cue_answers"].split("|") if a) or (c["cue"],)
    if not any(accepted):
        raise ValueError(f"{claim_id} has no cue word (the outlet's own voice)")
    stance = {"endorses": " (it endorses the content)", "neutral": " (neutral)",
              "distances": " (it distances the outlet from the content)"}.get(c["cue_stance"], "")
    return Question(claim_id, in_context(claim_id) + CUE_PROMPTS.get(c["label"], CUE_PROMPT),
                    accepted, f"The cue is '{c['cue']}'{stance}. {c['explanation']}", kind="cue")


REPORTING_STANCES = ("endorses", "neutral", "distances")  # cue_stance of a reporting cue; 'none' for other cues


def claim_source(claim_id: str, options, hints=None) -> Question:
    """Who says so? ``options`` are the sources to choose from (must include the right one).

    The cue is named as the signal of the source only when it is a reporting cue (its stance is
    endorses, neutral or distances); a hedge or opinion cue ('to come', 'would') is not.
    """
    c = _practice_row(claim_id)
    if c["source"] not in options:
        raise ValueError(f"{claim_id}: its source {c['source']!r} is not among the options")
    if c["cue"] and c["cue_stance"] in REPORTING_STANCES:
        why = f"The source is {c['source']}, signalled by '{c['cue']}'."
    elif c["source"] == "the outlet":
        why = "The source is the outlet: nobody else is named, so the outlet speaks in its own voice."
    elif c["cue"]:  # a hedge or opinion cue marks the kind of claim, not who says it
        why = (f"The source is {c['source']}. The words '{c['cue']}' do not hand the claim to anyone: they mark "
               "what kind of claim it is (a hedge or an opinion, lesson 2), not who says it.")
    else:
        why = f"The source is {c['source']}."
    return Question(claim_id, in_context(claim_id) + "Who says so?", c["source"], why, options=tuple(options),
                    hints=dict(hints or {}))


def estimate_bound(estimate_id: str, hints=None) -> Question:
    """Which bound type is this worked/practice figure of the article (exercise 2's table)?"""
    row = data.load("estimates").loc[estimate_id]
    if row["role"] not in ("worked", "practice"):
        raise KeyError(f"{estimate_id} is not a worked or practice figure: lessons use those only")
    alternates = tuple(a for a in row["bound_alternates"].split("|") if a)
    prompt = estimates.in_context(estimate_id) + "Which bound type is this figure?"
    return Question(estimate_id, prompt, row["bound"], row["explanation"], options=data.BOUNDS,
                    alternates=alternates, hints=dict(hints or {}))


def figure_label(eid: str, row) -> str:
    """A figure's row label on a number line: its id, who gave it (not the outlet that carried it), when, and a
    text tag for what it measures, e.g. ``[count]`` or ``[capacity]``, so it reads without colour."""
    return f"{eid} · {row['source']}\n{row['as_of']} [{row['measure_kind'] or '?'}] ({row['bound'] or 'no bound yet'})"


def plot_figures(df, title: str | None = None):
    """``estimates.plot_intervals`` for rows of the estimates table, each row labelled by ``figure_label``."""
    return estimates.plot_intervals(df, title=title, label=figure_label)


def source_card(source_id: str) -> str:
    """HTML: one outside report from exercise 3's table: outlet, date, paraphrase, figures, evidence mark, link."""
    r = data.load("sources").loc[source_id]
    when = r["date"] + (" (date of the event; page undated)" if r["date_basis"] == "event" else "")
    rows = [("Report", f"<b>{source_id}</b>: {html.escape(r['outlet'])}, {html.escape(when)}"),
            ("What it says (paraphrase)", html.escape(r["paraphrase"])), ("Figures", html.escape(r["figures"]) or "—"),
            ("Evidence", f"<b>{r['evidence']}</b>"),
            ("Link", f"<a href='{html.escape(r['url'])}' target='_blank' rel='noopener'>{html.escape(r['url'])}</a>")]
    body = "".join(f"<tr><th style='text-align:left;vertical-align:top'>{k}</th><td style='text-align:left'>{v}</td></tr>"
                   for k, v in rows)
    return f"<table>{body}</table>"


def source_bearing(source_id: str, claim_id: str, why: str, hints=None) -> Question:
    """How does this practice report bear on this worked/practice claim (corroborates, refines, …)?"""
    r = data.load("sources").loc[source_id]
    _practice_row(claim_id)
    if r["role"] == "assessed" or claim_id not in r["claims"].split("|"):
        raise KeyError(f"{source_id} is not a practice report on {claim_id}: lessons use practice reports only")
    prompt = in_context(claim_id) + source_card(source_id) + f"<p><b>How does {source_id} bear on {claim_id}?</b></p>"
    return Question(source_id, prompt, r["bearing"], why, options=data.BEARINGS, hints=dict(hints or {}))


def slip_question(slip_id: str, what: str = "kind") -> Question:
    """A worked/practice slip of the article: its kind, or its effect on the claim (``what='effect'``)."""
    s = data.load("slips").loc[slip_id]
    if s["role"] == "assessed":
        raise KeyError(f"{slip_id} is assessed in exercise 3: lessons use worked and practice slips only")
    text = data.article_text()
    sentences = data.load("sentences")
    sentence = sentences[(sentences["start"] <= s["start"]) & (sentences["end"] >= s["end"])].iloc[0]
    shown = (html.escape(text[sentence["start"]:s["start"]]) + f"<mark>⟦{html.escape(s['span'])}⟧</mark>"
             + html.escape(text[s["end"]:sentence["end"]]))
    if what == "kind":
        alternates = tuple(a for a in s["alternates"].split("|") if a)
        return Question(slip_id, f"<div><b>{slip_id}</b>: {shown}</div>What kind of slip is the marked detail?",
                        s["kind"], s["problem"], options=data.SLIP_KINDS, alternates=alternates)
    alternates = tuple(a for a in s["effect_alternates"].split("|") if a)
    return Question(f"{slip_id}-effect", f"<div><b>{slip_id}</b>: {shown}</div>Once corrected, does the sentence "
                    "tell a reader something different?", s["effect"], s["effect_why"], options=data.EFFECTS,
                    alternates=alternates)


def trace_chain(steps) -> Marked:
    """A claim's path upstream, drawn as numbered steps joined by arrows: ``steps`` are (who or what, detail)."""
    items = "".join(f"<li style='border:1px solid #555;padding:4px 8px;margin:0 0 4px 0;list-style-position:inside'>"
                    f"<b>{html.escape(who)}</b>: {html.escape(detail)}"
                    + ("<div aria-hidden='true' style='text-align:center'>↓ passed on to</div>" if i < len(steps) else "")
                    + "</li>" for i, (who, detail) in enumerate(steps, start=1))
    text = "\n   ↓ passed on to\n".join(f"{i}. {who}: {detail}" for i, (who, detail) in enumerate(steps, start=1))
    return Marked(f"<ol aria-label='Source chain, from the original statement to the article'>{items}</ol>", text)


def practice(qid: str, questions: list[Question], recorded=None) -> dict:
    """Show practice questions as a form with immediate feedback (the same form as the exercises)."""
    by_id = {q.id: q for q in questions}
    if len(by_id) != len(questions):
        raise ValueError(f"{qid}: question ids must be unique")
    return ask(qid, [q.item() for q in questions], recorded=recorded,
               feedback=lambda item_id, value: by_id[item_id].feedback(value))
