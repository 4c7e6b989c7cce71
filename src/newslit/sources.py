"""Exercise 3, lateral reading: outside reports, verdicts on the article's claims, and its slips.

Reads the public tables only (sources, verdicts, slips, claims), so worked and practice items
carry their answers and explanations while assessed items carry none: their key is in data/key/
and reaches the grader through ``newslit.assign`` (the ``KEY_BUILDERS`` below).

A verdict says what outside reports establish about a claim: ``confirmed``, ``contradicted`` or
``unverified``. Only reports the research team read (evidence READ or CALC) can decide one;
recalled items (MEM) are context. The mission table puts a student's verdicts beside how the
article itself holds each claim.
"""

from __future__ import annotations

import html
from contextvars import ContextVar
from typing import TYPE_CHECKING

from newslit import data
from newslit.answers import check_choice
from newslit.claims import in_context
from newslit.data import EFFECTS, LABELS, SLIP_KINDS, VERDICTS
from newslit.widgets import Item

if TYPE_CHECKING:
    import pandas as pd

DECIDING_EVIDENCE = ("READ", "CALC", "READ+CALC")
# "confirmed" is what outside reports back, which for "X said ..." is only that X said it: never "fact".
GROUPS = ("confirmed by outside reports", "contradicted", "unverified: only as the article frames it",
          "not answered yet")


def split_ids(cell) -> list[str]:
    """``'src01|src02'`` -> ``['src01', 'src02']`` (blank -> [])."""
    return [p for p in str(cell).split("|") if p] if isinstance(cell, str) else []


# Where a key being built reads the reports it cites (the item's article pack; None: the one in use).
KEY_ROOT: ContextVar = ContextVar("newslit_sources_key_root", default=None)


def sources(root=None) -> dict[str, dict]:
    """Public outside reports by id (bearing blank for rows tied to assessed items)."""
    return data.records("sources", root=root)


def verdicts() -> dict[str, dict]:
    """Public verdict rows by claim id: which reports are shown; answers only for worked/practice rows."""
    return data.records("verdicts")


def slips() -> dict[str, dict]:
    """Public slip candidates by id (the article's errors plus details that check out)."""
    return data.records("slips")


def cite(source_id, root=None) -> str:
    """``'src09 (Kyiv Independent, 2024-06-14)'``; unknown ids are returned as given."""
    table = sources(root)
    if not isinstance(source_id, str) or source_id not in table:
        return str(source_id)
    row = table[source_id]
    return f"{source_id} ({row['outlet']}, {row['date']})"


def shown(claim_id: str) -> list[str]:
    """The source rows shown for a claim, in display order."""
    return split_ids(verdicts()[claim_id]["shown"])


_CELL = "text-align:left;vertical-align:top;border-top:1px solid #ccc;padding:4px 6px"


def reports_table(source_ids) -> str:
    """HTML table of outside reports: what each says, its figures and evidence mark."""
    table = sources()
    body = []
    for sid in source_ids:
        r = table[sid]
        when = r["date"] + (" (date of the event reported; page undated)" if r["date_basis"] == "event" else "")
        link = f'<a href="{html.escape(r["url"])}" target="_blank" rel="noopener">link</a>'
        body.append("<tr>" + "".join(f"<td style='{_CELL}'>{c}</td>" for c in (
            f"<b>{sid}</b>", f"{html.escape(r['outlet'])}<br><small>{html.escape(when)}</small>",
            html.escape(r["paraphrase"]), html.escape(r["figures"]) or "—", f"<b>{r['evidence']}</b>", link)) + "</tr>")
    head = "".join(f"<th style='text-align:left'>{h}</th>" for h in
                   ("row", "outlet, date", "what it says (paraphrase)", "figures", "evidence", "source"))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def rows_html(claim_id: str) -> str:
    """The reports shown for a claim in the verdict sections."""
    return reports_table(shown(claim_id))


def more_reports(claim_ids) -> str:
    """Claims without a verdict question, each in its sentence with every report that bears on it."""
    table = sources()
    blocks = []
    for cid in claim_ids:
        ids = [sid for sid, r in table.items() if cid in split_ids(r["claims"])]
        if not ids:
            raise KeyError(f"no report bears on {cid}")
        blocks.append(in_context(cid) + reports_table(ids))
    return "".join(blocks)


def claim_block(claim_id: str) -> str:
    """The claim in its sentence, then the outside reports on it."""
    return in_context(claim_id) + rows_html(claim_id)


def verdict_items(claim_ids) -> list[Item]:
    """One dropdown per claim: confirmed, contradicted or unverified?"""
    return [Item(cid, claim_block(cid) + "<p><b>Your verdict:</b></p>", "choice", VERDICTS) for cid in claim_ids]


def evidence_items(claim_ids) -> list[Item]:
    """One dropdown per claim: which shown row is the key evidence for the verdict?"""
    items = []
    table = sources()
    for cid in claim_ids:
        ids = shown(cid)
        listing = "".join(f"<li>{html.escape(cite(s))}, {table[s]['evidence']}</li>" for s in ids)
        items.append(Item(cid, in_context(cid) + f"<ul>{listing}</ul><p><b>Key evidence:</b></p>", "choice",
                          tuple(ids)))
    return items


def framing_items(claim_ids) -> list[Item]:
    """One dropdown per claim: how does the article hold it (the exercise 1 labels)? Not graded here."""
    return [Item(cid, in_context(cid), "choice", LABELS) for cid in claim_ids]


def slip_items(slip_ids, what: str = "kind") -> list[Item]:
    """One dropdown per slip candidate: its kind (``what='kind'``) or its effect on the claim (``'effect'``)."""
    options = {"kind": SLIP_KINDS, "effect": EFFECTS}[what]
    return [Item(sid, slip_in_context(sid), "choice", options) for sid in slip_ids]


def slip_in_context(slip_id: str) -> str:
    """HTML of the sentence holding a slip candidate, the candidate marked with a highlight AND ⟦brackets⟧."""
    s = slips()[slip_id]
    text = data.article_text()
    row = next(r for r in data.records("sentences").values() if r["start"] <= s["start"] and r["end"] >= s["end"])
    before, span, after = text[row["start"]:s["start"]], text[s["start"]:s["end"]], text[s["end"]:row["end"]]
    return (f"<div><b>{slip_id}</b>: {html.escape(before)}"
            f'<mark style="background:#ffd6d6;border-bottom:2px solid #333">⟦{html.escape(span)}⟧</mark>'
            f"{html.escape(after)}</div>")


def article_with_slips() -> str:
    """The whole article with every slip candidate marked and numbered (the hunt's map)."""
    text = data.article_text()
    out, pos = [], 0
    for sid, s in sorted(slips().items(), key=lambda kv: kv[1]["start"]):
        out.append(html.escape(text[pos:s["start"]]))
        out.append(f'<mark style="background:#ffd6d6">⟦{html.escape(s["span"])}⟧<sup>{sid}</sup></mark>')
        pos = s["end"]
    out.append(html.escape(text[pos:]))
    paragraphs = "".join(f"<p>{p}</p>" for p in "".join(out).split("\n") if p)
    return f"<div style='max-width:75ch'>{paragraphs}</div>"


def _public(table: dict[str, dict], item_id: str) -> dict:
    row = table[item_id]
    if row["role"] == "assessed":
        raise KeyError(f"{item_id} is assessed: its answer is revealed only in the graded feedback")
    return row


def verdict_feedback(claim_id: str, value):
    """Immediate feedback for a worked/practice verdict: (Check, explanation)."""
    v = _public(verdicts(), claim_id)
    accept = [v["verdict"], *split_ids(v["accept"])]
    return check_choice(claim_id, value, accept, VERDICTS), v["explanation"]


def slip_feedback(slip_id: str, value):
    """Immediate feedback on a worked/practice slip's kind: (Check, what is wrong and what it does to the claim)."""
    s = _public(slips(), slip_id)
    check = check_choice(slip_id, value, [s["kind"], *split_ids(s["alternates"])], SLIP_KINDS)
    return check, f"{s['problem']} Effect: {s['effect']}. {s['effect_why']}"


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th style='text-align:left;vertical-align:top'>{k}</th>"
                   f"<td style='text-align:left'>{v}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def worked_verdict(claim_id: str) -> str:
    """HTML: a claim, its reports and the full reasoning to a verdict (worked and practice items only)."""
    v = _public(verdicts(), claim_id)
    key = ", ".join(html.escape(cite(s)) for s in split_ids(v["deciding"]))
    return claim_block(claim_id) + _table([
        ("Verdict", f"<b>{v['verdict']}</b>"), ("Key evidence", key),
        ("Why", html.escape(v["explanation"])), ("Why those rows", html.escape(v["evidence_why"]))])


def worked_slip(slip_id: str) -> str:
    """HTML: a slip candidate with its kind, its effect on the claim and what it tells a reader."""
    s = _public(slips(), slip_id)
    evidence = ", ".join(html.escape(cite(x)) for x in split_ids(s["evidence"])) or "the article itself"
    return slip_in_context(slip_id) + _table([
        ("Kind", f"<b>{s['kind']}</b>"), ("What is wrong", html.escape(s["problem"])),
        ("Effect on the claim", f"<b>{s['effect']}</b>"),
        ("Also accepted", html.escape(", ".join(split_ids(s["alternates"]) + split_ids(s["effect_alternates"])))
         or "no alternative"),
        ("What it tells a reader", html.escape(s["effect_why"])),
        ("How sure", s["confidence"]), ("Evidence", evidence)])


# --- answer keys, built from data/key/ when grading (used by newslit.assign) -------------------

def verdict_key(row) -> dict:
    return {"kind": "choice", "accept": [row["verdict"], *split_ids(row["accept"])], "options": list(VERDICTS),
            "why": row["explanation"]}


def evidence_key(row) -> dict:
    rows = " or ".join(cite(s, KEY_ROOT.get()) for s in split_ids(row["deciding"]))
    return {"kind": "choice", "accept": split_ids(row["deciding"]), "options": split_ids(row["shown"]),
            "why": f"Key evidence: {rows}. {row['evidence_why']}"}


def slip_kind_key(row) -> dict:
    return {"kind": "choice", "accept": [row["kind"], *split_ids(row["alternates"])], "options": list(SLIP_KINDS),
            "why": row["problem"]}


def slip_effect_key(row) -> dict:
    return {"kind": "choice", "accept": [row["effect"], *split_ids(row["effect_alternates"])], "options": list(EFFECTS),
            "why": row["effect_why"]}


KEY_BUILDERS = {"verdict": verdict_key, "verdict_evidence": evidence_key, "slip_kind": slip_kind_key,
                "slip_effect": slip_effect_key}


# --- the mission table -------------------------------------------------------------------------

def _answer(answers, item, options):
    value = answers.get(item) if isinstance(answers, dict) else None
    return value if isinstance(value, str) and value in options else None


def mission_table(verdicts_given=None, evidence_given=None, framing=None, practice=None) -> pd.DataFrame:
    """What outside reports confirm beside attributed, hedged and denied claims, built from a student's answers.

    ``verdicts_given``/``evidence_given``: the graded forms; ``practice``: the practice form;
    ``framing``: the student's own exercise 1 labels. Worked examples are filled in from the public
    data. Never raises: missing or invalid answers show as "not answered yet".
    """
    import pandas as pd

    table, claims, srcs = verdicts(), data.records("claims"), sources()
    rows = []
    for cid, v in table.items():
        if v["role"] == "worked":
            verdict, key = v["verdict"], split_ids(v["deciding"])[0]
            verdict_text = f"{verdict} (worked example)"
        else:
            given = verdicts_given if v["role"] == "assessed" else practice
            verdict = _answer(given, cid, VERDICTS)
            key = _answer(evidence_given, cid, shown(cid)) if v["role"] == "assessed" else None
            verdict_text = verdict or "not answered yet"
        group = {"confirmed": GROUPS[0], "contradicted": GROUPS[1], "unverified": GROUPS[2]}.get(verdict, GROUPS[3])
        rows.append({
            "claim": cid,
            "what the article says": claims[cid]["span"],
            "how the article holds it": _answer(framing, cid, LABELS) or "—",
            "verdict": verdict_text,
            "key evidence": cite(key) if key else "—",
            "link": srcs[key]["url"] if key else "",
            "in the table as": group,
            "_order": (GROUPS.index(group), claims[cid]["start"]),
        })
    out = pd.DataFrame(rows).sort_values("_order").drop(columns="_order")
    return out.set_index("claim")
