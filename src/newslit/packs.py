"""Article packs: one folder per article, and the one command that turns it into graded notebooks.

A pack holds the article's text and provenance (``article.txt``, ``SOURCE.md``), its tables in the
schemas of ``data/README.md`` (only those its exercises use), the answers to assessed items in
``key/``, ``pack.toml`` (name, title, assignments) and one outline per assignment in ``exercises/``
(``newslit.outline``). The course's own article is the pack in ``data/``; others live in ``packs/``.

``new`` starts a pack from a text file; ``check`` validates it (every table, every key, the links
between tables, every outline) and raises ``DataError`` naming file, row and field; ``build`` writes
the nbgrader source notebooks (``solutions/<assignment>/``) and the release through nbgrader.
A pack other than the course's own travels with its assignment: its public part is copied into the
assignment as ``article/``, which the notebook's setup cell reads with ``use_pack("article")``.
"""

from __future__ import annotations

import ast
import csv
import io
import re
import shutil
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import nbformat

from newslit import data, outline
from newslit.answers import cue_in
from newslit.sources import split_ids

RELEASED_AS = "article"  # an assignment's copy of its pack's public part


@dataclass(frozen=True)
class Pack:
    folder: Path
    name: str
    title: str
    assignments: tuple[str, ...]
    date: str = ""  # the article's date: no report dated later may decide a verdict

    def table_names(self) -> list[str]:
        """The tables this pack has (sentences always), in the loader's order."""
        return [n for n, t in data.TABLES.items() if (self.folder / t.file).is_file()]

    def outline_path(self, assignment: str) -> Path:
        return self.folder / "exercises" / f"{assignment}.md"

    def is_course_article(self, course_root: Path) -> bool:
        """The course's own article (data/ of the course): shipped with the package, not copied."""
        return self.folder.resolve() == (Path(course_root) / "data").resolve()


def read(folder: str | Path) -> Pack:
    """The pack in ``folder`` (its pack.toml checked)."""
    folder = Path(folder)
    where = f"{folder.name}/pack.toml"
    if not data.is_pack(folder):
        raise data.DataError(f"{folder}: not an article pack (it needs article.txt and pack.toml)")
    try:
        meta = tomllib.loads((folder / "pack.toml").read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise data.DataError(f"{where}: not valid TOML ({err})") from err
    for name in ("name", "title", "assignments"):
        if not meta.get(name):
            raise data.DataError(f"{where}, field '{name}': required")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", meta["name"]):
        raise data.DataError(f"{where}, field 'name': lowercase letters, digits and hyphens only "
                             f"(got {meta['name']!r})")
    if folder.name not in (meta["name"], "data"):  # grading finds a pack as packs/<name>
        raise data.DataError(f"{where}, field 'name': {meta['name']!r} is not the folder's name "
                             f"({folder.name!r}); grading looks for the pack in packs/{meta['name']}/")
    when = str(meta.get("date", ""))
    if when and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", when):
        raise data.DataError(f"{where}, field 'date': YYYY-MM-DD (got {when!r})")
    return Pack(folder, meta["name"], meta["title"], tuple(meta["assignments"]), when)


# ---------------------------------------------------------------- a new pack

SENTENCE_END = re.compile(r"(?<=[.!?])([”\"’')\]]*)(\s+)(?=[“\"‘'(\[]?[A-Z0-9])")


ABBREVIATIONS = {"Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "Gen.", "Maj.", "Lt.", "Col.", "Capt.", "Sgt.", "Adm.",
                 "Sen.", "Rep.", "Gov.", "Pres.", "St.", "Mt.", "No.", "Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.",
                 "Dec.", "U.S.", "U.K.", "U.N.", "E.U.", "Inc.", "Corp.", "Ltd.", "Co.", "vs."}  # no sentence ends here


def sentences(text: str) -> list[dict]:
    """Sentences with offsets; each line is a paragraph, a line without end punctuation a subheading."""
    rows, start = [], 0
    for paragraph, line in enumerate(text.split("\n"), start=1):
        offset, start = start, start + len(line) + 1
        body = line.rstrip()
        if not body:
            continue
        kind = "sentence" if body[-1] in ".!?”\"’')" else "subheading"
        pos = 0
        ends = [m for m in SENTENCE_END.finditer(body) if body[:m.start()].rsplit(None, 1)[-1] not in ABBREVIATIONS]
        for m in [*ends, None]:
            end = m.start(2) if m else len(body)
            rows.append({"sentence_id": f"s{len(rows) + 1:02d}", "paragraph": paragraph, "kind": kind,
                         "start": offset + pos, "end": offset + end, "text": body[pos:end]})
            pos = m.end() if m else len(body)
    return rows


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


STARTER_TABLES = ("claims", "estimates")  # what the starter outline grades; add sources.csv, verdicts.csv for verdicts
SOURCE_STARTER = ("# Source\n\nOutlet, title, author, date, URL, licence (and why it may be copied whole), how the "
                  "text was obtained, what is not known.\n")


def new(folder: str | Path, text_file: str | Path, name: str, assignment: str, title: str = "") -> Pack:
    """Start a pack: the text byte-exact, its sentences with offsets, every table empty with its header,
    and an outline to edit, from the shared starter (``newslit/pack_starter.md``)."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise data.DataError(f"{folder}: exists and is not empty; choose a new folder")
    if folder.resolve().parent.name != "packs" or folder.name != name:
        raise data.DataError(f"{folder}: a pack lives in the course's packs/ folder under its name "
                             f"(packs/{name}), where grading finds it")
    raw = Path(text_file).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise data.DataError(f"{text_file}: not UTF-8 text (byte {err.start})") from err
    (folder / "key").mkdir(parents=True)
    (folder / "exercises").mkdir()
    (folder / "article.txt").write_bytes(raw)
    (folder / "SOURCE.md").write_text(SOURCE_STARTER, encoding="utf-8")
    (folder / "pack.toml").write_text(f'name = "{name}"\ntitle = "{title or name}"\nassignments = ["{assignment}"]\n',
                                      encoding="utf-8")
    header = [f.name for f in data.TABLES["sentences"].fields]
    _write_csv(folder / "sentences.csv", header, sentences(text))
    for table in STARTER_TABLES:
        t = data.TABLES[table]
        _write_csv(folder / t.file, [f.name for f in t.fields], [])
        _write_csv(folder / "key" / t.file, [t.id_field, *t.answer_fields], [])
    starter = resources.files("newslit").joinpath("pack_starter.md").read_text(encoding="utf-8")
    pack = read(folder)
    pack.outline_path(assignment).write_text(starter.replace("ASSIGNMENT", assignment), encoding="utf-8")
    return pack


# ---------------------------------------------------------------- checking a pack

FITS = {"confirmed": ("corroborates", "refines"), "contradicted": ("contradicts",),  # verdict: bearings of
        "unverified": ("does not settle",)}  # the rows that can decide it


def _links(pack: Pack, tables: dict[str, dict]) -> None:
    """Links between tables: every id named exists; a verdict is decided only by READ/CALC rows."""
    def fail(table, row_no, field, why):
        raise data.DataError(f"{pack.folder.name}/{table}, row {row_no}, field '{field}': {why}")

    sentences_ = tables.get("sentences", {})
    for name in ("claims", "estimates"):
        for row_no, row in enumerate(tables.get(name, {}).values(), start=2):
            if not row.get("sentence_id"):
                continue
            sentence = sentences_.get(row["sentence_id"])
            if sentence is None:
                fail(f"{name}.csv", row_no, "sentence_id", f"no sentence {row['sentence_id']!r} in sentences.csv")
            if not sentence["start"] <= row["start"] < row["end"] <= sentence["end"]:
                inside = [sid for sid, x in sentences_.items() if x["start"] <= row["start"] and row["end"] <= x["end"]]
                fail(f"{name}.csv", row_no, "sentence_id", f"the span is not inside {row['sentence_id']}"
                     + (f"; it is inside {inside[0]}" if inside else ""))
    for row_no, row in enumerate(tables.get("claims", {}).values(), start=2):
        text = sentences_[row["sentence_id"]]["text"]
        file = "key/claims.csv" if row["role"] == "assessed" else "claims.csv"
        if row["cue"] and not cue_in(row["cue"], text):
            fail(file, row_no, "cue", f"{row['cue']!r} is not in the claim's sentence ({row['sentence_id']}): "
                                      "a student typing the cue from the text could not match it")
        answers = split_ids(row["cue_answers"])
        if answers and not any(cue_in(a, text) for a in answers):  # variants (the intended word of a typo) may differ
            fail(file, row_no, "cue_answers", f"none of them is in the claim's sentence ({row['sentence_id']}): "
                                              "a student typing the cue from the text could not match one")
    claims, srcs = tables.get("claims", {}), tables.get("sources", {})
    for row_no, row in enumerate(srcs.values(), start=2):
        for cid in split_ids(row["claims"]):
            if cid not in claims:
                fail("sources.csv", row_no, "claims", f"no claim {cid!r} in claims.csv")
    for row_no, row in enumerate(tables.get("verdicts", {}).values(), start=2):
        file = "key/verdicts.csv" if row["role"] == "assessed" else "verdicts.csv"
        if row["claim_id"] not in claims:
            fail("verdicts.csv", row_no, "claim_id", f"no claim {row['claim_id']!r} in claims.csv")
        for field in ("shown", "deciding"):
            for sid in split_ids(row[field]):
                if sid not in srcs:
                    fail(file if field == "deciding" else "verdicts.csv", row_no, field,
                         f"no source {sid!r} in sources.csv")
        for sid in split_ids(row["deciding"]):
            if srcs[sid]["evidence"] not in ("READ", "CALC", "READ+CALC"):
                fail(file, row_no, "deciding", f"{sid} is {srcs[sid]['evidence']} evidence: only a source read "
                                               "(READ) or computed (CALC) may decide a verdict")
            if pack.date and srcs[sid]["date"] > pack.date:
                fail(file, row_no, "deciding", f"{sid} is dated {srcs[sid]['date']}, after the article "
                                               f"({pack.date}): it cannot show what was known then")
            if sid not in split_ids(row["shown"]):
                fail(file, row_no, "deciding", f"{sid} is not among the rows shown under the claim")
            if row["claim_id"] not in split_ids(srcs[sid]["claims"]):
                fail(file, row_no, "deciding", f"{sid} does not bear on {row['claim_id']} (its 'claims' field)")
            if srcs[sid]["bearing"] not in FITS[row["verdict"]]:
                fail(file, row_no, "deciding", f"{sid} {srcs[sid]['bearing']} the claim, which does not fit the "
                                               f"verdict {row['verdict']!r}")


def _item_ids(call: ast.Call, lists: dict[str, list]) -> list[str]:
    """The ids a form's call asks: ``Item("e10", ...)``, or the first argument of ``label_items(ASSESSED)``,
    ``choice_items(["e01"], BOUNDS)`` and the like (a list literal or a list named in a code cell)."""
    name = call.func.id if isinstance(call.func, ast.Name) else ""
    if not call.args or not (name == "Item" or name.endswith("_items")):
        return []
    first = call.args[0]
    if isinstance(first, ast.Constant) and name == "Item":
        return [first.value]
    if isinstance(first, ast.Name):
        return list(lists.get(first.id, []))
    if isinstance(first, ast.List | ast.Tuple):
        return [e.value for e in first.elts if isinstance(e, ast.Constant)]
    return []


def _asked_is_graded(cells: list[outline.Cell], where: str) -> None:
    """Each graded form asks exactly the ids its ``checks`` cell grades (an id asked and never graded, or
    graded and never asked, would score every student wrong)."""
    lists = {}
    for cell in cells:
        if cell.kind == "code":
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Tuple):
                    try:
                        value = ast.literal_eval(node.value)
                    except ValueError:
                        continue
                    lists.update({t.id: list(value) for t in node.targets if isinstance(t, ast.Name)})
    forms = {}
    for cell in cells:
        if cell.kind == "student":
            tree = ast.parse(cell.source)
            for node in tree.body:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    asked = [i for call in ast.walk(node.value) if isinstance(call, ast.Call)
                             for i in _item_ids(call, lists)]
                    forms.update({t.id: (asked, cell.line) for t in node.targets if isinstance(t, ast.Name)})
    for cell in cells:
        if cell.kind != "checks" or cell.args["answers"] not in forms:
            continue
        asked, line = forms[cell.args["answers"]]
        graded = cell.items()
        never_graded = [i for i in asked if i not in graded]
        never_asked = [i for i in graded if i not in asked]
        if never_graded:
            raise data.DataError(f"{where}, line {cell.line}, field 'items': {never_graded[0]!r} is asked by the form "
                                 f"at line {line} but not graded here")
        if never_asked:
            raise data.DataError(f"{where}, line {cell.line}, field 'items': {never_asked[0]!r} is graded here but "
                                 f"the form at line {line} does not ask it")


def _key_row(pack: Pack, table: str, item: str) -> int:
    """The spreadsheet row of ``item`` in the pack's key/ file of ``table``."""
    t = data.TABLES[table]
    with open(pack.folder / "key" / t.file, encoding="utf-8", newline="") as fh:
        ids = [r[t.id_field] for r in csv.DictReader(fh)]
    return ids.index(item) + 2


def check(pack: Pack) -> dict[str, int]:
    """Validate the whole pack before any notebook is written; returns {table or outline: rows or items}."""
    from newslit import assign

    for cached in (data._article, data._records, data._load):  # an author edits and checks again: read afresh
        cached.cache_clear()
    tables, counts = {}, {}
    for name in pack.table_names():
        keyed = bool(data.TABLES[name].answer_fields)
        tables[name] = data.records(name, root=pack.folder, with_key=keyed)
        counts[name] = len(tables[name])
    if (pack.folder / "SOURCE.md").read_text(encoding="utf-8").strip() == SOURCE_STARTER.strip():
        raise data.DataError(f"{pack.folder.name}/SOURCE.md, row 1, field 'licence': still the starter text: record "
                             "outlet, title, date, URL and the licence that lets the course carry the text")
    if "sentences" not in tables:
        raise data.DataError(f"{pack.folder.name}/sentences.csv: file missing (every pack has its sentences)")
    _links(pack, tables)
    for assignment in pack.assignments:
        path = pack.outline_path(assignment)
        where = f"{pack.folder.name}/exercises/{assignment}.md"
        if not path.is_file():
            raise data.DataError(f"{where}: file missing (pack.toml lists assignment {assignment!r})")
        cells = outline.parse(path.read_text(encoding="utf-8"), where)
        items = 0
        for cell in cells:
            for item in cell.items():
                table = tables.get(cell.args["table"])
                row = (table or {}).get(item)
                if row is None:
                    raise data.DataError(f"{where}, line {cell.line}, field 'items': no row {item!r} in "
                                         f"{cell.args['table']}.csv")
                if cell.args["kind"] in ROW_ANSWER_KINDS and row.get("role") != "assessed":
                    raise data.DataError(f"{where}, line {cell.line}, field 'items': {item!r} is a "
                                         f"{row['role']} row of {cell.args['table']}.csv; graded items are assessed")
                try:
                    key = assign.key_entry(outline.spec(cell.args, item), root=pack.folder)
                except (KeyError, ValueError) as err:
                    raise data.DataError(f"{where}, line {cell.line}, field 'items': the key of {item!r} does not "
                                         f"build ({type(err).__name__}: {err})") from err
                if not key.get("why"):
                    row_no = _key_row(pack, cell.args["table"], item)
                    raise data.DataError(f"key/{cell.args['table']}.csv, row {row_no}, field 'explanation': "
                                         f"{item} is graded, so students read why its answer is right: write it")
                items += 1
        _asked_is_graded(cells, where)
        counts[assignment] = items
    return counts


# kinds whose key is the item's own row: that row must be assessed, or its answer is public (exercise 2's
# computed items, e.g. a per-unit figure, are scored from worked rows and other figures)
ROW_ANSWER_KINDS = ("label", "cue", "est_bound", "est_measure", "verdict", "verdict_evidence", "slip_kind",
                    "slip_effect")


# ---------------------------------------------------------------- building a pack

def public_files(pack: Pack) -> list[Path]:
    """What a student may have: the text, its provenance, pack.toml and the public tables (never key/)."""
    names = ["article.txt", "SOURCE.md", "pack.toml", *(data.TABLES[n].file for n in pack.table_names())]
    return [pack.folder / n for n in names if (pack.folder / n).is_file()]


def write_sources(pack: Pack, course_root: Path) -> list[Path]:
    """Write each assignment's nbgrader source notebook (and, for another article, its public part)."""
    own = pack.is_course_article(course_root)
    written = []
    for assignment in pack.assignments:
        where = f"{pack.folder.name}/exercises/{assignment}.md"
        cells = outline.parse(pack.outline_path(assignment).read_text(encoding="utf-8"), where)
        folder = Path(course_root) / "solutions" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{assignment}.ipynb"
        nbformat.write(outline.notebook(cells, None if own else pack.name), path)
        written.append(path)
        if not own:
            target = folder / RELEASED_AS
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            for src in public_files(pack):
                shutil.copyfile(src, target / src.name)
    return written
