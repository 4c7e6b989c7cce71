"""The one place course data is found, loaded and validated.

Every table is a tidy CSV described in ``data/README.md``. ``load(name)`` returns a pandas
DataFrame after checking the header, required fields, enumerations, unique ids, and that
every span is the exact substring of the article at its offsets. Problems raise
``DataError`` naming the file, the row (as numbered in a spreadsheet, header = row 1) and
the field. ``records(name)`` gives the same validated rows as plain dicts, without importing
pandas: what the exercises' forms use, so a grading run never pays for the pandas import.

Answer keys for assessed items live in ``data/key/`` in the course repository only; they are
not shipped in the installed package. ``load(name, with_key=True)`` merges them in and needs
the repository (pass ``root`` or run inside it).
"""

from __future__ import annotations

import csv
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from newslit.answers import LABELS

if TYPE_CHECKING:
    import pandas as pd

ROLES = ("worked", "practice", "assessed")


class DataError(ValueError):
    """A data file breaks its schema; the message names file, row and field."""


@dataclass(frozen=True)
class Field:
    name: str
    required: bool = True
    kind: str = "str"  # str | int | float | enum | labels | date
    values: tuple = ()


@dataclass(frozen=True)
class Table:
    file: str
    id_field: str
    fields: tuple
    span: bool = False  # has start/end/span columns checked against the article
    # (field, value): only rows where field == value have a span; the others leave sentence_id/start/end/span blank
    span_when: tuple = ()
    answer_fields: tuple = ()  # blank for assessed rows here; filled from data/key/<file>
    extra: dict = field(default_factory=dict)


def _f(name, kind="str", values=(), required=True):
    return Field(name, required, kind, tuple(values))


EVIDENCE = ("article", "READ", "CALC", "READ+CALC", "MEM", "NOT FOUND", "UNVERIFIED")
BOUNDS = ("exact", "approx", "upper", "lower", "near_below", "range", "vague")
MEASURE_KINDS = ("count", "capacity", "target", "capability", "derived", "duration")
MODALITIES = ("none", "could", "likely", "estimated", "conditional", "expected")
SOURCE_TYPES = ("minister", "intelligence", "expert", "official", "outlet")
# exercise 3 (lateral reading): outside reports, verdicts on claims, the article's slips
SOURCE_EVIDENCE = ("READ", "CALC", "READ+CALC", "MEM")  # only READ/CALC rows may decide a graded item
BEARINGS = ("corroborates", "contradicts", "refines", "does not settle", "context")
VERDICTS = ("confirmed", "contradicted", "unverified")
SLIP_KINDS = ("typo", "wrong word", "wrong name or credential", "reversed bound", "misattribution", "unit",
              "overstated wording", "no slip")
EFFECTS = ("changes the claim", "does not change the claim", "nothing to correct")
CONFIDENCE = ("certain from the text", "verified elsewhere", "probable")

TABLES = {
    "sentences": Table(
        "sentences.csv", "sentence_id",
        (_f("sentence_id"), _f("paragraph", "int"), _f("kind", "enum", ("sentence", "subheading")),
         _f("start", "int"), _f("end", "int"), _f("text")),
    ),
    "claims": Table(
        "claims.csv", "claim_id",
        (_f("claim_id"), _f("sentence_id"), _f("start", "int"), _f("end", "int"), _f("span"),
         _f("role", "enum", ROLES), _f("label", "enum", LABELS), _f("alternates", "labels", required=False),
         _f("source"), _f("cue", required=False),
         _f("cue_stance", "enum", ("endorses", "neutral", "distances", "none")),
         _f("cue_answers", required=False), _f("explanation")),
        span=True,
        answer_fields=("label", "alternates", "source", "cue", "cue_stance", "cue_answers", "explanation"),
    ),
    "estimates": Table(
        "estimates.csv", "estimate_id",
        (_f("estimate_id"), _f("in_article", "enum", ("yes", "no")), _f("sentence_id", required=False),
         _f("start", "int", required=False), _f("end", "int", required=False), _f("span", required=False),
         _f("role", "enum", ROLES, required=False), _f("quantity"), _f("value", "float", required=False),
         _f("value_hi", "float", required=False), _f("unit"), _f("original_unit"),
         _f("bound_words", required=False), _f("bound", "enum", BOUNDS),
         _f("bound_alternates", "labels", BOUNDS, required=False), _f("modality", "enum", MODALITIES),
         _f("measure_kind", "enum", MEASURE_KINDS), _f("measure_alternates", "labels", MEASURE_KINDS, required=False),
         _f("source"), _f("source_type", "enum", SOURCE_TYPES), _f("source_chain"), _f("basis"),
         _f("as_of", "date", required=False), _f("derived_from", required=False), _f("compare_with", required=False),
         _f("outlet", required=False), _f("url", required=False), _f("evidence", "enum", EVIDENCE),
         _f("ref", required=False), _f("explanation", required=False)),
        span=True, span_when=("in_article", "yes"),
        answer_fields=("original_unit", "bound", "bound_alternates", "measure_kind", "measure_alternates",
                       "derived_from", "explanation"),
    ),
    "sources": Table(  # no article span: one row per outside report (and the claims it bears on)
        "sources.csv", "source_id",
        (_f("source_id"), _f("outlet"), _f("date", "date"), _f("date_basis", "enum", ("published", "event")),
         _f("url"), _f("claims", required=False), _f("estimates", required=False), _f("role", "enum", ROLES),
         _f("bearing", "enum", BEARINGS), _f("evidence", "enum", SOURCE_EVIDENCE), _f("paraphrase"),
         _f("figures", required=False)),
        answer_fields=("bearing",),
    ),
    "verdicts": Table(
        "verdicts.csv", "claim_id",
        (_f("claim_id"), _f("role", "enum", ROLES), _f("shown"), _f("verdict", "enum", VERDICTS),
         _f("accept", "labels", VERDICTS, required=False), _f("deciding"), _f("explanation"), _f("evidence_why")),
        answer_fields=("verdict", "accept", "deciding", "explanation", "evidence_why"),
    ),
    "slips": Table(
        "slips.csv", "slip_id",
        (_f("slip_id"), _f("start", "int"), _f("end", "int"), _f("span"), _f("role", "enum", ROLES),
         _f("kind", "enum", SLIP_KINDS), _f("alternates", "labels", SLIP_KINDS, required=False),
         _f("effect", "enum", EFFECTS), _f("effect_alternates", "labels", EFFECTS, required=False), _f("problem"), _f("confidence", "enum", CONFIDENCE),
         _f("evidence", required=False), _f("effect_why")),
        span=True,
        answer_fields=("kind", "alternates", "effect", "effect_alternates", "problem", "confidence", "evidence",
                       "effect_why"),
    ),
}


class _Source:
    """Where the data files are: an article pack in use, the installed package's copy, else the repository's data/."""

    pack: Path | None = None  # set by use_pack(): a notebook on another article than the course's own

    @staticmethod
    def package_dir() -> Path | None:
        d = resources.files("newslit") / "data"
        return Path(str(d)) if d.is_dir() else None

    @staticmethod
    def repo_dir(root: str | os.PathLike | None = None) -> Path | None:
        if root and is_pack(Path(root)):  # an article pack's own folder
            return Path(root)
        candidates = [Path(root)] if root else [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[2]]
        for c in candidates:
            if (c / "data" / "article.txt").is_file() and (c / "pyproject.toml").is_file():
                return c / "data"
        return None


def is_pack(folder: Path) -> bool:
    """Whether ``folder`` is an article pack: its text and its pack.toml (see data/README.md)."""
    return (folder / "pack.toml").is_file() and (folder / "article.txt").is_file()


@cache
def _find_pack(name: str, roots: tuple[str, ...]) -> Path:
    for root in roots:
        if is_pack(Path(root) / "packs" / name):
            return Path(root) / "packs" / name
    raise DataError(f"article pack {name!r} not found: looked for packs/{name}/ in {', '.join(roots)}")


def item_root(spec: dict, root=None, course=None):
    """Where an item's tables and key are: its article pack's folder (``pack`` in its metadata), else ``root``.

    A pack is ``packs/<name>/`` of ``root`` (the course repository holding the keys), of the ``course``
    folder, of the working folder (nbgrader runs in the course folder) or of this package's repository."""
    name = spec.get("pack")
    if not name:
        return root
    if root and Path(root).name == name and is_pack(Path(root)):
        return root
    repo = _Source.repo_dir()
    roots = [root, course, Path.cwd(), repo.parent if repo else None]
    return _find_pack(name, tuple(dict.fromkeys(str(Path(r).resolve()) for r in roots if r)))


def use_pack(folder: str | os.PathLike) -> Path:
    """Read every table from this article pack from now on (a notebook's setup cell: the pack's public part)."""
    path = Path(folder).resolve()
    if not is_pack(path):
        raise DataError(f"{folder}: not an article pack (it needs article.txt and pack.toml)")
    _Source.pack = path
    return path


@contextmanager
def reading(folder: str | os.PathLike | None):
    """Within the block, tables read without ``root`` come from this pack (None: no change). The grader
    builds another article's keys this way: its helpers (a source's citation, a sentence) read that pack."""
    if folder is None or not is_pack(Path(folder)):
        yield
        return
    before, _Source.pack = _Source.pack, Path(folder).resolve()
    try:
        yield
    finally:
        _Source.pack = before


def data_dir(root=None) -> Path:
    """The directory holding article.txt and the public tables: ``root`` (a course repository or an
    article pack), else the pack in use, else the course's own article."""
    d = (_Source.repo_dir(root) if root else None) or _Source.pack or _Source.package_dir() or _Source.repo_dir()
    if d is None:
        raise DataError("course data not found: install the newslit package or run inside the course repository")
    return d


def key_dir(root=None) -> Path:
    """data/key/ of the course repository, or key/ of an article pack (instructor side only)."""
    d = _Source.repo_dir(root)
    if d is None or not (d / "key").is_dir():
        raise DataError("answer keys are only available inside the course repository (data/key/); "
                        "pass root= the repository folder")
    return d / "key"


@cache
def _article(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def article_text(root=None) -> str:
    """The article exactly as supplied (typos kept)."""
    return _article(str(data_dir(root) / "article.txt"))


def _read_rows(path: Path) -> tuple[list[str], list[dict]]:
    if not path.is_file():
        raise DataError(f"{path.name}: file missing from {path.parent}")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _convert(table: Table, fname: str, row_no: int, f: Field, raw: str, where: str):
    def fail(why):
        raise DataError(f"{where}, row {row_no}, field '{f.name}': {why} (got {raw!r})")

    if raw is None:
        fail("missing value (row has too few columns)")
    value = raw.strip()
    if value != raw:
        fail("leading or trailing whitespace")
    if not value:
        if f.required:
            fail("required field is empty")
        return None if f.kind in ("int", "float") else ""
    if f.kind == "int":
        try:
            return int(value)
        except ValueError:
            fail("not an integer")
    if f.kind == "float":
        try:
            return float(value)
        except ValueError:
            fail("not a number")
    if f.kind == "enum" and value not in f.values:
        fail(f"unknown value; expected one of {', '.join(f.values)}")
    if f.kind == "labels":  # several values separated by |: LABELS unless the field lists its own
        allowed = f.values or LABELS
        bad = [v for v in value.split("|") if v not in allowed]
        if bad:
            fail(f"unknown label {bad[0]!r}; labels are {', '.join(allowed)} separated by |")
    if f.kind == "date":
        # as documented in data/README.md: a day, or a month when that is all that is known
        try:
            if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
                raise ValueError(value)
            date.fromisoformat(value if len(value) == 10 else value + "-01")
        except ValueError:
            fail("not a date (YYYY-MM-DD or YYYY-MM)")
    return value


def _named(path: Path) -> str:
    """A data file as messages name it: its folder and name (a key file: its pack's folder too)."""
    return f"{path.parent.parent.name}/key/{path.name}" if path.parent.name == "key" else f"{path.parent.name}/{path.name}"


def _check_rows(table: Table, path: Path, rows: list[dict], header: list[str], blank_ok: set[str], text: str):
    where = _named(path)
    expected = [f.name for f in table.fields]
    if header != expected:
        missing = [c for c in expected if c not in header]
        extra = [c for c in header if c not in expected]
        raise DataError(f"{where}, row 1 (header), field '{(missing or extra or ['order'])[0]}': "
                        f"header must be {','.join(expected)}")
    out, seen = [], {}
    for i, raw in enumerate(rows, start=2):
        rec = {}
        for f in table.fields:
            relaxed = Field(f.name, False, f.kind, f.values) if f.name in blank_ok(raw) else f
            rec[f.name] = _convert(table, path.name, i, relaxed, raw.get(f.name), where)
        rid = rec[table.id_field]
        if rid in seen:
            raise DataError(f"{where}, row {i}, field '{table.id_field}': duplicate id {rid!r} (first at row {seen[rid]})")
        seen[rid] = i
        if table.span and text is not None and _has_span(table, rec, where, i):
            s, e = rec["start"], rec["end"]
            if not (0 <= s < e <= len(text)) or text[s:e] != rec["span"]:
                found = text.find(rec["span"]) if rec["span"] else -1
                hint = f"; the span is at {found}-{found + len(rec['span'])}" if found >= 0 else \
                    "; the span is nowhere in the article (copy it exactly, typos kept)"
                raise DataError(f"{where}, row {i}, field 'span': not the exact article text at "
                                f"offsets {s}-{e} (article has {text[s:e]!r}){hint}")
        out.append(rec)
    return out


def _has_span(table: Table, rec: dict, where: str, row_no: int) -> bool:
    """Whether the row carries a span; with ``span_when``, rows outside it must leave the span fields blank."""
    if not table.span_when:
        return True
    name, value = table.span_when
    wanted = rec[name] == value
    for f in ("sentence_id", "start", "end", "span"):
        if f in rec and (rec[f] not in ("", None)) != wanted:
            raise DataError(f"{where}, row {row_no}, field '{f}': "
                            + (f"required when {name} is {value!r}" if wanted else f"must be blank unless {name} is {value!r}"))
    return wanted


@cache
def _records(name: str, directory: str, with_key: str | None) -> tuple[dict, ...]:
    table = TABLES[name]
    d = Path(directory)
    text = _article(str(d / "article.txt"))
    path = d / table.file
    header, rows = _read_rows(path)
    answers = set(table.answer_fields)

    def blank_ok(raw):  # assessed rows carry no answers in the public file
        return answers if raw.get("role") == "assessed" else set()

    recs = _check_rows(table, path, rows, header, blank_ok, text)
    where = _named(path)
    for i, rec in enumerate(recs, start=2):
        if rec.get("role") == "assessed":
            leaked = [a for a in table.answer_fields if rec[a] not in ("", None)]
            if leaked:
                raise DataError(f"{where}, row {i}, field '{leaked[0]}': assessed items keep their answers "
                                f"in {path.parent.name}/key/{table.file}, not in the public file (students get it)")
    if with_key:
        kpath = Path(with_key) / table.file
        kfields = (table.fields[[f.name for f in table.fields].index(table.id_field)],) + tuple(
            f for f in table.fields if f.name in answers)
        ktable = Table(table.file, table.id_field, kfields)
        kheader, krows = _read_rows(kpath)
        keys = {r[table.id_field]: r for r in _check_rows(ktable, kpath, krows, kheader, lambda r: set(), None)}
        assessed = {r[table.id_field] for r in recs if r.get("role") == "assessed"}
        for j, kid in enumerate(keys, start=2):
            if kid not in assessed:
                raise DataError(f"key/{table.file}, row {j}, field '{table.id_field}': {kid!r} is not an assessed item")
        for i, rec in enumerate(recs, start=2):
            rid = rec[table.id_field]
            if rid in assessed:
                if rid not in keys:
                    raise DataError(f"{where}, row {i}, field '{table.id_field}': assessed item {rid!r} has no row in key/{table.file}")
                rec.update({a: keys[rid][a] for a in table.answer_fields})
    return tuple(recs)


@cache
def _load(name: str, directory: str, with_key: str | None) -> pd.DataFrame:
    import pandas as pd

    table = TABLES[name]
    df = pd.DataFrame.from_records(list(_records(name, directory, with_key)), columns=[f.name for f in table.fields])
    for f in table.fields:  # optional numbers: blanks are missing values, ints stay ints
        if f.kind == "int" and df[f.name].isna().any():
            df[f.name] = df[f.name].astype("Int64")
        elif f.kind == "float":
            df[f.name] = df[f.name].astype(float)
    return df.set_index(table.id_field, drop=False)


def _where(name: str, root, with_key: bool) -> tuple[str, str | None]:
    if name not in TABLES:
        raise DataError(f"unknown table {name!r}; tables are {', '.join(TABLES)}")
    if with_key:
        k = key_dir(root)
        return str(k.parent), str(k)
    return str(data_dir(root)), None


def load(name: str, root=None, with_key: bool = False) -> pd.DataFrame:
    """Load and validate one table (a copy, safe to modify). ``with_key`` needs the repository."""
    return _load(name, *_where(name, root, with_key)).copy()


def records(name: str, root=None, with_key: bool = False) -> dict[str, dict]:
    """The same validated table as ``load``, as ``{id: row dict}`` in file order (copies; no pandas).

    Blank optional numbers are None here (``<NA>``/NaN in ``load``).
    """
    rows = _records(name, *_where(name, root, with_key))
    return {r[TABLES[name].id_field]: dict(r) for r in rows}


def validate_all(root=None, with_key: bool = True) -> dict[str, int]:
    """Load every table (with keys where the repository has them); returns row counts."""
    counts = {}
    for name in TABLES:
        counts[name] = len(load(name, root=root, with_key=with_key and bool(TABLES[name].answer_fields)))
    return counts
