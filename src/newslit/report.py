"""What the instructor reads after grading: per-item scores, item analysis, misconceptions, answer key.

Scores come from nbgrader's gradebook (the authority). Each autograded item is re-scored here by
the same function as autograde's ScoreItems step (``newslit.grading``), from the SUBMITTED notebook:
every form cell ``var = ask(..., recorded={...})`` holds the answers as a Python literal, parsed with
``ast.literal_eval`` and never executed. A code answer (exercise 2) has no literal: it is re-scored
from the value the step recorded in the autograded copy (the value the locked test cell handed
in). ``agrees`` is False wherever the gradebook's score differs from this re-score. Items are found
through their test cell's metadata ``{"newslit": {"table", "item", "kind", "answers" or "name"}}``.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import nbformat
import pandas as pd

from newslit import data, grading, packs
from newslit.answers import AnswerError, normalize_cue, normalize_label, normalize_text, parse_number
from newslit.classroom import Course, GradeCell, autograded
from newslit.data import LABELS
from newslit.grading import Unreadable, forms

__all__ = ["Unreadable", "forms"]  # re-exported: the answers a notebook recorded, parsed (newslit.grading)

BOUND = re.compile(r"\b(up to|at least|about|over|nearly|almost|more than|as many as|around|roughly)\b", re.I)
# A bound confused with its opposite (bound names of exercise 2 and the article's wording).
SWAP = {"upper": "lower", "lower": "upper", "up to": "at least", "at least": "up to"}
STATUSES = ("correct", "accepted", "wrong", "missing", "invalid", "unreadable")
# Headings for the item kinds (the names in the notebooks' metadata are internal).
KIND_NAMES = {
    "label": "How the article presents each claim",
    "cue": "Cue words",
    "est_bound": "The bound each figure carries",
    "est_measure": "What each figure measures",
    "est_meet_choice": "Whether the figures can meet",
    "est_fermi_choice": "The rough check",
    "slip_kind": "What kind of slip",
    "slip_effect": "What each slip changes",
    "verdict": "Verdict on each claim",
    "verdict_evidence": "Which report decides the verdict",
}


def kind_name(kind: str) -> str:
    """A heading for an item kind ('est_bound' -> 'The bound each figure carries')."""
    return KIND_NAMES.get(kind, kind.replace("_", " ").removeprefix("est ").capitalize())


def show_answer(kind: str, value, options=()) -> str:
    """A student's answer as one normalised string ('' when blank); a choice is spelt as its option."""
    if value is None or value == "" or value == []:
        return ""
    try:
        if kind == "label":
            return normalize_label(value)
        if kind == "cue":
            return normalize_cue(value)
        if kind == "number":
            return f"{parse_number(value):g}"
        if kind == "choice" and isinstance(value, str):
            spelt = {normalize_text(o): o for o in options}
            return spelt.get(normalize_text(value), normalize_text(value))
        if kind == "choices" and isinstance(value, list | tuple | set):
            return ", ".join(sorted(normalize_text(str(v)) for v in value))
    except AnswerError:
        pass
    return repr(value)


def show_key(key: dict) -> tuple[str, str]:
    """(best answer, other accepted answers) of a key, for people to read."""
    kind = key.get("kind")
    if kind == "label":
        return key["label"], ", ".join(key.get("alternates", ()))
    if kind == "cue":
        return key["accept"][0], ", ".join(key["accept"][1:])
    if kind == "number":
        unit = f" {key['unit']}" if key.get("unit") else ""
        return f"{float(key['value']):g}{unit}", f"±{float(key['tolerance']):g}{unit}"
    if kind == "choice":
        return key["accept"][0], ", ".join(key["accept"][1:])
    if kind == "choices":
        return ", ".join(sorted(normalize_text(a) for a in key["accept"])), ""
    return repr(key), ""


def item_text(cell: GradeCell, root=None) -> str:
    """The article span an item is about, '' if none (``grading.item_text``)."""
    return grading.item_text(cell.spec, root)


def options(key: dict) -> tuple:
    """The answer options of a label or choice key (empty for free answers)."""
    return LABELS if key.get("kind") == "label" else tuple(key.get("options") or ())


def _read(path: Path):
    """A notebook, or an empty one when the file is missing or unreadable (refused by autograde too)."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception:
        return nbformat.v4.new_notebook()


def responses(course: Course, assignment: str) -> pd.DataFrame:
    """One row per submitted student and graded cell: gradebook score, recorded answer, status."""
    from nbgrader.api import Gradebook

    cells = course.grade_cells(assignment)
    keys = {c.grade_id: course.key(c) for c in cells if not c.manual}
    texts = {c.grade_id: item_text(c) for c in cells if not c.manual}
    rows = []
    graded = set(autograded(course, assignment))  # failed autogrades have gradebook rows but no scores
    with Gradebook(course.db_url) as gb:
        for sub in gb.assignment_submissions(assignment):
            student = sub.student.id
            if student not in graded:
                continue
            grades = {(nb.name, g.name): g for nb in sub.notebooks for g in nb.grades}
            recorded, executed = {}, {}
            for name in {c.notebook for c in cells}:
                recorded[name] = forms(_read(course.folder("submitted", assignment, student) / f"{name}.ipynb"))
                auto = _read(course.folder("autograded", assignment, student) / f"{name}.ipynb")
                executed[name] = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in auto.cells}
            for c in cells:
                g = grades.get((c.notebook, c.grade_id))
                pending = bool(g is not None and g.needs_manual_grade)
                score = None if g is None or pending else float(g.score)
                row = {"student_id": student, "assignment": assignment, "notebook": c.notebook,
                       "grade_id": c.grade_id, "item": c.grade_id, "kind": "written", "answer_kind": "",
                       "options": "", "text": "", "points": c.points, "score": score, "manual_pending": pending,
                       "answer": "", "status": "", "best": "", "also_accepted": "", "agrees": None}
                if not c.manual:
                    key, spec = keys[c.grade_id], c.spec
                    best, also = show_key(key)
                    row.update(item=spec["item"], kind=spec["kind"], answer_kind=key.get("kind", ""),
                               options="|".join(options(key)), text=texts[c.grade_id], best=best, also_accepted=also)
                    answers = grading.answers_of(None, spec, executed[c.notebook].get(c.grade_id), recorded[c.notebook])
                    result = grading.score(answers, spec["item"], key, c.points)
                    given = answers.get(spec["item"]) if type(answers) is dict else None
                    shown = str(answers) if isinstance(answers, Unreadable) else show_answer(
                        key.get("kind"), given, options(key))
                    row.update(status=result.status, answer=f"(code) {shown}" if spec.get("name") else shown)
                    if score is not None:
                        row["agrees"] = abs(result.earned - score) < 1e-6
                rows.append(row)
    return pd.DataFrame(rows, columns=["student_id", "assignment", "notebook", "grade_id", "item", "kind",
                                       "answer_kind", "options", "text", "points", "score", "manual_pending",
                                       "answer", "status", "best", "also_accepted", "agrees"])


def per_item(long: pd.DataFrame) -> pd.DataFrame:
    """Student x graded cell scores (blank: waiting for manual grading), with total and maximum."""
    if long.empty:
        return pd.DataFrame(columns=["student_id", "total", "max_score", "manual_pending"])
    several = long["notebook"].nunique() > 1
    col = long["notebook"] + "/" + long["grade_id"] if several else long["grade_id"]
    order = list(dict.fromkeys(col))
    wide = long.assign(column=col).pivot(index="student_id", columns="column", values="score")[order]
    points = long.drop_duplicates("grade_id" if not several else ["notebook", "grade_id"])["points"].sum()
    wide["total"] = long.groupby("student_id")["score"].sum(min_count=0)
    wide["max_score"] = points
    wide["manual_pending"] = long.groupby("student_id")["manual_pending"].any()
    return wide.reset_index()


def item_analysis(long: pd.DataFrame) -> pd.DataFrame:
    """Per autograded item: status counts, error rate, mean score, discrimination, top wrong answer."""
    auto = long[long["kind"] != "written"]
    if auto.empty:
        return pd.DataFrame()
    totals = auto.groupby("student_id")["score"].sum()
    rows = []
    for (grade_id, notebook), g in auto.groupby(["grade_id", "notebook"], sort=False):
        first = g.iloc[0]
        counts = g["status"].value_counts()
        scored = g.set_index("student_id")["score"]
        rest = totals.loc[scored.index] - scored
        disc = scored.astype(float).corr(rest.astype(float)) if scored.nunique() > 1 and rest.nunique() > 1 else None
        wrong = g[g["status"] == "wrong"]["answer"].value_counts()
        rows.append({
            "assignment": first["assignment"], "notebook": notebook, "grade_id": grade_id, "item": first["item"],
            "kind": first["kind"], "text": first["text"], "best": first["best"],
            "also_accepted": first["also_accepted"], "points": first["points"], "n": len(g),
            **{s: int(counts.get(s, 0)) for s in STATUSES},
            "error_rate": round(float((g["score"] < g["points"] - 1e-9).mean()), 4),
            "mean_score": round(float(g["score"].mean()), 4),
            "discrimination": None if disc is None or pd.isna(disc) else round(float(disc), 3),
            "top_wrong_answer": wrong.index[0] if len(wrong) else "",
            "top_wrong_count": int(wrong.iloc[0]) if len(wrong) else 0,
            "disagreements": int((g["agrees"] == False).sum()),  # noqa: E712  (None = not comparable)
        })
    return pd.DataFrame(rows)


def confusions(long: pd.DataFrame, max_options: int = 10) -> dict[str, pd.DataFrame]:
    """Per item kind with several items sharing one option list (labels, bounds, verdicts...): counts
    of the key's best option (rows) against the option students chose (columns)."""
    out = {}
    for kind, g in long[long["answer_kind"].isin(["label", "choice"])].groupby("kind", sort=False):
        if g["item"].nunique() < 2 or g["options"].nunique() != 1 or not g["options"].iloc[0]:
            continue
        opts = g["options"].iloc[0].split("|")
        if len(opts) > max_options:
            continue
        chosen = g["answer"].where(g["status"].isin(["correct", "accepted", "wrong"]),
                                   g["status"].map({"missing": "(no answer)"}).fillna("(not an option)"))
        table = pd.crosstab(g["best"], chosen).reindex(index=opts, columns=[*opts, "(no answer)", "(not an option)"],
                                                       fill_value=0)
        table.index.name, table.columns.name = "best answer", None
        out[kind] = table.fillna(0).astype(int)
    return out


_PATTERNS = {
    ("hedged", "stated as fact"): "missed the hedge: a possible, probable or conditional claim read as plain fact",
    ("hedged", "attributed"): "saw the source but not the hedge",
    ("attributed", "stated as fact"): "took a reported claim as the outlet's own assertion",
    ("opinion", "stated as fact"): "took an evaluation as a checkable fact",
    ("opinion", "hedged"): "followed the modal ('might', 'would') and missed that the claim is an evaluation",
    ("opinion", "attributed"): "saw who said it but missed that it is an evaluation",
    ("stated as fact", "attributed"): "saw a source where the outlet speaks in its own voice",
    ("stated as fact", "hedged"): "read a hedge into a plain assertion",
    ("attributed", "hedged"): "read a hedge into a reported claim",
}


def _describe(kind: str, best: str, answer: str, text: str) -> str:
    """A name for a wrong answer; ``kind`` is the answer kind (label, cue, number, choice...)."""
    if SWAP.get(best) == answer:
        return f"reversed the bound ({best} ↔ {answer})"
    if kind == "label":
        if answer == "hedged" and best != "hedged" and BOUND.search(text):
            return "read a bound word (up to, at least, about, over) as a hedge"
        if answer == "opinion":
            return "called a checkable claim an opinion"
        if answer == "denied":
            return "read a denial where there is none"
        if best == "denied":
            return "missed the denial"
        return _PATTERNS.get((best, answer), f"chose '{answer}' where the best reading is '{best}'")
    if kind == "cue" and BOUND.fullmatch(answer or ""):
        return "typed a bound word as the cue"
    if kind == "cue":
        return "typed a word that is not the cue"
    return f"answered '{answer}' where the key is '{best}'"


def misconceptions(long: pd.DataFrame) -> pd.DataFrame:
    """Wrong answers grouped into named patterns, most frequent first."""
    wrong = long[(long["status"] == "wrong") & (long["answer"] != "(code)")]  # code answers: no choice to name
    columns = ["misconception", "kind", "count", "students", "items", "examples"]
    if wrong.empty:
        return pd.DataFrame(columns=columns)
    wrong = wrong.assign(misconception=[_describe(k, b, a, t) for k, b, a, t in zip(
        wrong["answer_kind"], wrong["best"], wrong["answer"], wrong["text"], strict=True)])
    rows = []
    for (name, kind), g in wrong.groupby(["misconception", "kind"]):
        pairs = g.groupby(["best", "answer"]).size().sort_values(ascending=False)
        rows.append({"misconception": name, "kind": kind, "count": len(g), "students": g["student_id"].nunique(),
                     "items": ", ".join(sorted(set(g["item"]))),
                     "examples": "; ".join(f"{a or '(blank)'} for {b} ×{n}" for (b, a), n in pairs.head(3).items())})
    return pd.DataFrame(rows, columns=columns).sort_values(["students", "count", "misconception"],
                                                           ascending=[False, False, True]).reset_index(drop=True)


# ---------------------------------------------------------------- the HTML page

def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return '<img alt="{}" src="data:image/png;base64,{}">'.format(
        html.escape(fig.get_label() or "figure"), base64.b64encode(buf.getvalue()).decode())


def _figures(items: pd.DataFrame, confs: dict, wide: pd.DataFrame) -> dict[str, str]:
    from matplotlib.figure import Figure

    out = {}
    if not items.empty:
        shown = items.sort_values(["error_rate", "grade_id"], ascending=[True, False])
        fig = Figure(figsize=(8, 0.28 * len(shown) + 1.3), label="Error rate per item")
        ax = fig.add_subplot()
        names = [f"{g} · {_short(t, 38)}" for g, t in zip(shown["grade_id"], shown["text"], strict=True)]
        wrong = (shown["wrong"] + shown["invalid"] + shown["unreadable"]) / shown["n"]
        blank = shown["error_rate"] - wrong
        ax.barh(names, wrong, color="#c44e52", label="wrong answer")
        ax.barh(names, blank.clip(lower=0), left=wrong, color="#bbbbbb", label="no answer")
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of students without credit")
        ax.set_title("Error rate per item (hardest at the top)")
        ax.tick_params(axis="y", labelsize=8)
        ax.legend(loc="lower right", fontsize=8)
        out["items"] = _png(fig)
    for kind, conf in confs.items():
        fig = Figure(figsize=(7.5, 1.2 + 0.45 * len(conf)), label=f"Confusion matrix: {kind_name(kind)}")
        ax = fig.add_subplot()
        ax.imshow(conf.to_numpy(), cmap="Blues", aspect="auto")
        ax.set_xticks(range(len(conf.columns)), [_short(c, 24) for c in conf.columns], rotation=30, ha="right")
        ax.set_yticks(range(len(conf.index)), [_short(c, 24) for c in conf.index])
        ax.set_xlabel("answer chosen by students")
        ax.set_ylabel("best answer (key)")
        peak = conf.to_numpy().max()
        for (i, j), v in pd.DataFrame(conf.to_numpy()).stack().items():
            if v:
                ax.text(j, i, str(v), ha="center", va="center", color="white" if v > peak / 2 else "black")
        ax.set_title(f"{kind_name(kind)}: which answer students chose for each best answer")
        out[f"confusion:{kind}"] = _png(fig)
    if len(wide):
        fig = Figure(figsize=(7.5, 2.6), label="Total scores")
        ax = fig.add_subplot()
        ax.hist(wide["total"], bins=min(20, max(5, len(wide))), range=(0, float(wide["max_score"].iloc[0])),
                color="#4c72b0")
        ax.set_xlabel(f"total score (of {wide['max_score'].iloc[0]:g})")
        ax.set_ylabel("students")
        ax.set_title("Distribution of total scores")
        out["totals"] = _png(fig)
    return out


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _table(df: pd.DataFrame, **kw) -> str:
    return df.to_html(index=False, border=0, classes="t", na_rep="", float_format=lambda v: f"{v:g}", **kw)


CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table.t{border-collapse:collapse;font-size:.85em;margin:.5em 0 1.5em}table.t th,table.t td{border-bottom:1px solid #ddd;
padding:3px 6px;text-align:left;vertical-align:top}table.t td:nth-child(2){min-width:16em}table.t th{background:#f3f3f3}img{max-width:100%}
.note{color:#555;font-size:.9em}.warn{color:#b42318}"""


def student_table(wide: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """The report's table of students: everyone on the roster or with a submission, with their status."""
    people = people.set_index("student_id")
    scored = wide.set_index("student_id") if len(wide) else pd.DataFrame(columns=["total", "max_score"])
    rows = []
    for sid, p in people.iterrows():
        total = scored["total"].get(sid) if sid in scored.index else None
        rows.append({"student": sid, "name": f"{p['first_name']} {p['last_name']}".strip(), "status": p["status"],
                     "score": "" if p["status"] in ("missing", "failed") or total is None
                     else f"{total:g}" + (" so far" if p["status"] == "needs manual grading" else ""),
                     "late penalty": "" if not p["late"] else "late" + (
                         f", −{p['late_penalty']:g}" if p["late_penalty"] else "")})
    return pd.DataFrame(rows, columns=["student", "name", "status", "score", "late penalty"])


def with_roster(wide: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """The per-item table with a status column and a row for every student without a graded copy
    (missing: nothing submitted; failed: grading failed), their scores blank."""
    status = people.set_index("student_id")["status"]
    wide = wide.assign(status=wide["student_id"].map(status).fillna("graded"))
    absent = people[~people["student_id"].isin(wide["student_id"])][["student_id", "status"]]
    return pd.concat([wide, absent], ignore_index=True) if len(absent) else wide


def html_page(assignment: str, long: pd.DataFrame, items: pd.DataFrame, confs: dict, mis: pd.DataFrame,
              wide: pd.DataFrame, people: pd.DataFrame | None = None) -> str:
    n = long["student_id"].nunique()
    pending = sorted(long.loc[long["manual_pending"], "student_id"].unique())
    mean = wide["total"].mean() if len(wide) else 0
    maxi = wide["max_score"].iloc[0] if len(wide) else 0
    disagree = int(items["disagreements"].sum()) if len(items) else 0
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Item analysis: {html.escape(assignment)}"
             f"</title><style>{CSS}</style></head><body>",
             f"<h1>Item analysis: {html.escape(assignment)}</h1>",
             "<p class='warn'>This page shows the answer key: keep it (and every export beside it) from students.</p>",
             f"<p>{n} submissions; mean total {mean:.1f} of {maxi:g} (written answers count once graded). "
             f"{len(pending)} submission(s) wait for manual grading"
             + (f": {html.escape(', '.join(pending))}" if pending else "") + ".</p>",
             "<p class='note'>Scores come from the nbgrader gradebook; the answers students chose are read from the "
             "<code>recorded={...}</code> literal of each form cell in the submitted notebooks (parsed, not run) and "
             "re-scored with the grader's own function; items answered by the student's own code are re-scored "
             "from the value their locked test cell handed in. "
             "'Accepted' means an alternative reading that earns full credit. Discrimination is the correlation "
             "between an item and the rest of the autograded score (blank when every student scored the same).</p>"]
    if disagree:
        parts.append(f"<p class='warn'>{disagree} answer(s) scored differently from what their recorded literal "
                     "implies (a student changed the answer variable in code, or the key changed after grading: "
                     "regrade).</p>")
    figs = _figures(items, confs, wide)
    if people is not None and len(people):
        counts = people["status"].value_counts()
        parts += ["<h2>Students</h2>",
                  "<p>" + "; ".join(f"{counts.get(s, 0)} {s}" for s in ("graded", "needs manual grading", "failed",
                                                                        "missing")) + ".</p>",
                  _table(student_table(wide, people))]
    parts += ["<h2>Items</h2>", figs.get("items", "")]
    if len(items):
        view = items.sort_values(["error_rate", "grade_id"], ascending=[False, True])
        parts.append(_table(pd.DataFrame({
            "item": view["grade_id"], "text": view["text"],
            "key (also accepted)": view["best"] + view["also_accepted"].map(lambda a: f" ({a})" if a else ""),
            "right": view["correct"] + view["accepted"], "wrong": view["wrong"] + view["invalid"] + view["unreadable"],
            "blank": view["missing"], "error rate": view["error_rate"].map(lambda r: f"{r:.0%}"),
            "discrimination": view["discrimination"],
            "most common wrong answer": view["top_wrong_answer"] + view["top_wrong_count"].map(
                lambda n: f" ×{n}" if n else ""),
        })))
    parts += ["<h2>Most common misconceptions</h2>",
              _table(mis.assign(kind=mis["kind"].map(kind_name))) if len(mis) else "<p>No wrong answers.</p>"]
    for kind, conf in confs.items():
        parts += [f"<h2>Confusion matrix: {html.escape(kind_name(kind))}</h2>", figs[f"confusion:{kind}"],
                  "<p class='note'>Counts over all items of this kind and all students. Some off-diagonal cells are "
                  "accepted alternatives that earn full credit: see the key column of the item table.</p>",
                  conf.reset_index().to_html(index=False, border=0, classes="t")]
    parts += ["<h2>Total scores</h2>", figs.get("totals", ""), "</body></html>"]
    return "\n".join(parts)


def write(course: Course, assignment: str, out: Path) -> dict[str, Path]:
    """Write the per-item CSV, the item analysis CSVs and the HTML page for one assignment."""
    from newslit import lms

    out.mkdir(parents=True, exist_ok=True)
    long = responses(course, assignment)
    wide, items, confs, mis = per_item(long), item_analysis(long), confusions(long), misconceptions(long)
    people = lms.students(course, assignment)
    paths = {"items": out / f"{assignment}-items.csv", "responses": out / f"{assignment}-responses.csv",
             "analysis": out / f"{assignment}-item-analysis.csv",
             **{f"confusion:{k}": out / f"{assignment}-confusion-{k}.csv" for k in confs},
             "misconceptions": out / f"{assignment}-misconceptions.csv", "html": out / f"{assignment}-report.html"}
    with_roster(wide, people).to_csv(paths["items"], index=False)
    long.to_csv(paths["responses"], index=False)
    items.to_csv(paths["analysis"], index=False)
    for kind, conf in confs.items():
        conf.to_csv(paths[f"confusion:{kind}"])
    mis.to_csv(paths["misconceptions"], index=False)
    paths["html"].write_text(html_page(assignment, long, items, confs, mis, wide, people), encoding="utf-8")
    return paths


# ---------------------------------------------------------------- the answer key document

def _points(n: float) -> str:
    return f"{n:g} point" + ("" if n == 1 else "s")


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def answer_key(course: Course) -> str:
    """docs/answer-key.md: every assessed item's key and rationale, generated from data/key and solutions/."""
    lines = ["# Answer key (instructor only)", "",
             "> **Do not publish.** Generated by `newslit guide` from `data/key/` and the items of "
             "`solutions/`; edit those and regenerate, never this file. It is not part of the installed package.", ""]
    for assignment in course.assignments():
        cells = course.grade_cells(assignment)
        if not cells:
            continue
        lines += [f"## {assignment} ({_points(sum(c.points for c in cells))})", ""]
        forms_ = {}
        for c in cells:
            var = "written" if c.manual else c.spec.get("answers") or f"code {c.grade_id}"
            forms_.setdefault(var, []).append(c)
        for var, group in forms_.items():
            if var == "written":
                continue
            title = f"Code answer `{var[5:]}` (computed by the student's code)" if var.startswith("code ") else \
                f"Form `{var}`"
            lines += [f"### {title} ({_points(sum(c.points for c in group))})", "",
                      "| item | kind | text | answer | also accepted | source · cue | why |", "|---|---|---|---|---|---|---|"]
            for c in group:
                key = course.key(c)
                best, also = show_key(key)
                try:
                    row = data.load(c.spec["table"], root=packs.data_root(c.spec, course.root),
                                    with_key=True).loc[c.spec["item"]]
                except (data.DataError, KeyError):
                    row = {}
                src = " · ".join(str(row[f]) for f in ("source", "cue") if f in row and row[f])
                lines.append(f"| {c.spec['item']} | {c.spec['kind']} | {_md(item_text(c, course.root))} | **{_md(best)}** "
                             f"| {_md(also)} | {_md(src)} | {_md(key.get('why', ''))} |")
            lines.append("")
        for c in forms_.get("written", []):
            lines += [f"### Written answer `{c.grade_id}` ({_points(c.points)}, graded by hand)", "",
                      "Rubric: see docs/instructor-guide.md. Model answer from solutions/:", "",
                      *[f"> {line}" for line in c.source.strip().splitlines()], ""]
    return "\n".join(lines).rstrip() + "\n"
