"""The article's claims: showing them in context and asking about them.

Uses only the public claims table, so worked and practice items carry their answers and
explanations while assessed items carry none (their key lives in data/key/).
"""

from __future__ import annotations

import html

from newslit import data
from newslit.answers import Check, check_cue, check_label
from newslit.data import LABELS
from newslit.widgets import Item


def in_context(claim_id: str) -> str:
    """HTML of the claim's sentence with the claim marked by a highlight AND ⟦brackets⟧ (readable without colour)."""
    c = data.records("claims")[claim_id]
    s = data.records("sentences")[c["sentence_id"]]
    text = data.article_text()
    before, span, after = text[s["start"]:c["start"]], text[c["start"]:c["end"]], text[c["end"]:s["end"]]
    tag = " <i>(subheading)</i>" if s["kind"] == "subheading" else ""
    return (f"<div><b>{claim_id}</b>{tag}: {html.escape(before)}"
            f'<mark style="background:#fff3b0;border-bottom:2px solid #333">⟦{html.escape(span)}⟧</mark>'
            f"{html.escape(after)}</div>")


def label_items(claim_ids) -> list[Item]:
    """One dropdown per claim: which label fits what the text commits to?"""
    return [Item(cid, in_context(cid), "choice", LABELS) for cid in claim_ids]


def cue_items(claim_ids) -> list[Item]:
    """One text box per claim: which word or phrase signals the label?"""
    return [Item(cid, in_context(cid) + "<div>Type the cue word or phrase exactly as it appears in the "
                 "sentence, and nothing else.</div>", "text", placeholder="cue word or phrase") for cid in claim_ids]


def _public_answer(claim_id: str) -> dict:
    c = data.records("claims")[claim_id]
    if c["role"] == "assessed":
        raise KeyError(f"{claim_id} is assessed: its answer is revealed only in the graded feedback")
    return c


def label_feedback(claim_id: str, value):
    """Immediate feedback for a worked/practice claim: (Check, explanation)."""
    c = _public_answer(claim_id)
    alternates = tuple(a for a in c["alternates"].split("|") if a)
    return check_label(claim_id, value, c["label"], alternates), c["explanation"]


def cue_feedback(claim_id: str, value):
    c = _public_answer(claim_id)
    accepted = [a for a in c["cue_answers"].split("|") if a] or [c["cue"]]
    if not any(accepted):
        return Check(claim_id, "wrong", "this claim has no cue word: the outlet says it in its own voice"), c["explanation"]
    return check_cue(claim_id, value, accepted), c["explanation"]


def worked_example(claim_id: str) -> str:
    """HTML: a claim with the full reasoning shown (worked and practice items only)."""
    c = _public_answer(claim_id)
    alts = c["alternates"].replace("|", ", ")
    rows = [("Who says it?", c["source"]), ("Cue words", c["cue"] or "none: the outlet's own voice"),
            ("Does the cue endorse or distance?", c["cue_stance"]), ("Label", f"<b>{c['label']}</b>"),
            ("Also accepted", alts or "no alternative"), ("Why", c["explanation"])]
    body = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{html.escape(v) if k not in ('Label',) else v}</td></tr>"
                   for k, v in rows)
    return in_context(claim_id) + f"<table>{body}</table>"
