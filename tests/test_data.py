"""The data layer: the article is byte-exact, tables validate, bad rows fail with file/row/field."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from newslit import data
from newslit.data import DataError

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "article.txt"


@pytest.mark.skipif(not SEED.exists(), reason="the supplied seed article is not beside this checkout")
def test_article_is_byte_identical_to_the_supplied_seed():
    assert (ROOT / "data" / "article.txt").read_bytes() == SEED.read_bytes()


def test_article_keeps_its_typos():
    text = data.article_text()
    for typo in ("Pyongang", "Wosnik", "collaborated claims", "at this would mean", "artillery shots"):
        assert typo in text


def test_sentences_tile_every_line_and_mark_the_two_subheadings():
    text = data.article_text()
    s = data.load("sentences")
    assert list(s["kind"]).count("subheading") == 2
    assert set(s.loc[s.kind == "subheading", "text"]) == {
        "South Korea: Pyongyang could have delivered nearly 5 million shells",
        "US, Ukraine say Russian forces use North Korean missiles",
    }
    # Every non-space character of the article belongs to exactly one sentence.
    covered = [0] * len(text)
    for start, end in zip(s["start"], s["end"], strict=True):
        for i in range(start, end):
            covered[i] += 1
    assert all(c == 1 for c, ch in zip(covered, text, strict=True) if not ch.isspace())
    assert s["paragraph"].max() == len(text.split("\n"))


def test_claims_cover_both_subheadings_and_every_label():
    claims = data.load("claims", with_key=True)
    sentences = data.load("sentences")
    subheads = set(sentences.index[sentences.kind == "subheading"])
    assert subheads <= set(claims["sentence_id"])
    assert set(claims["label"]) == set(data.LABELS)
    assert 28 <= len(claims) <= 40
    assert claims["explanation"].str.len().min() > 40


def test_public_claims_carry_no_answers_for_assessed_items():
    public = data.load("claims")
    assessed = public[public.role == "assessed"]
    assert len(assessed) > 0
    for col in data.TABLES["claims"].answer_fields:
        assert (assessed[col] == "").all(), col


def test_alternates_never_repeat_the_label():
    claims = data.load("claims", with_key=True)
    for cid, row in claims.iterrows():
        assert row["label"] not in row["alternates"].split("|"), cid


def test_every_table_validates_with_its_key():
    counts = data.validate_all(ROOT)
    assert counts["claims"] >= 28 and counts["sentences"] == 19


@pytest.mark.parametrize(("name", "with_key"), [(n, k) for n, t in data.TABLES.items() for k in (False, True)
                                                if t.answer_fields or not k])
def test_records_are_the_loaded_table_as_plain_dicts(name, with_key):
    """records() (no pandas: what the forms use) and load() give the same rows, fields and values."""
    frame, rows = data.load(name, root=ROOT, with_key=with_key), data.records(name, root=ROOT, with_key=with_key)
    assert list(rows) == list(frame.index) and len(rows) > 0
    for rid, row in rows.items():
        assert list(row) == list(frame.columns)
        for field, value in row.items():
            assert pd.isna(frame.at[rid, field]) if value is None else value == frame.at[rid, field], (rid, field)
            assert type(value) in (str, int, float, type(None)), (rid, field, type(value))
    first = next(iter(rows.values()))
    first[data.TABLES[name].id_field] = "changed"  # a copy: the next caller sees the data as loaded
    assert data.records(name, root=ROOT, with_key=with_key) != rows


def test_records_do_not_import_pandas():
    code = "import sys; from newslit import data; data.records('claims'); print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.fixture()
def repo_copy(tmp_path):
    """A scratch copy of the repository's data, to corrupt."""
    (tmp_path / "pyproject.toml").write_text("")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path


def _corrupt(path: Path, row: int, column: str, value: str):
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row - 1][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "message"),
    [
        ("claims.csv", 4, "role", "homework", "claims.csv, row 4, field 'role': unknown value"),
        ("claims.csv", 2, "span", "Russian President Putin", "claims.csv, row 2, field 'span': not the exact article text"),
        ("claims.csv", 3, "claim_id", "c01", "claims.csv, row 3, field 'claim_id': duplicate id 'c01'"),
        ("claims.csv", 2, "source", "", "claims.csv, row 2, field 'source': required field is empty"),
        ("claims.csv", 2, "label", "confirmed", "claims.csv, row 2, field 'label': unknown value"),
        ("claims.csv", 2, "alternates", "hedged|maybe", "claims.csv, row 2, field 'alternates': unknown label 'maybe'"),
        ("claims.csv", 2, "start", "three", "claims.csv, row 2, field 'start': not an integer"),
        ("claims.csv", 3, "label", "opinion", "claims.csv, row 3, field 'label': assessed items keep their answers"),
        ("sentences.csv", 6, "kind", "headline", "sentences.csv, row 6, field 'kind': unknown value"),
        ("key/claims.csv", 2, "label", "true", "claims.csv, row 2, field 'label': unknown value"),
        ("key/claims.csv", 2, "claim_id", "c01", "key/claims.csv, row 2, field 'claim_id': 'c01' is not an assessed item"),
    ],
)
def test_a_corrupted_row_names_file_row_and_field(repo_copy, file, row, column, value, message):
    _corrupt(repo_copy / "data" / file, row, column, value)
    name = Path(file).stem
    with pytest.raises(DataError) as err:
        data.load(name, root=repo_copy, with_key=file.startswith("key/") or column == "label" and row == 3)
    assert message in str(err.value)


def test_an_assessed_item_without_a_key_row_is_named(repo_copy):
    key = repo_copy / "data" / "key" / "claims.csv"
    lines = key.read_text(encoding="utf-8").splitlines(keepends=True)
    key.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    with pytest.raises(DataError, match=r"claims.csv, row 3, field 'claim_id': assessed item 'c02' has no row in key"):
        data.load("claims", root=repo_copy, with_key=True)


def test_keys_are_unavailable_outside_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="only available inside the course repository"):
        data.key_dir(tmp_path)


def test_data_loads_through_the_installed_package_from_any_directory(tmp_path):
    code = (
        "from newslit import data; c = data.load('claims'); s = data.load('sentences');"
        "print(len(c), len(s), len(data.article_text()))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["32", "19", str(len((ROOT / "data" / "article.txt").read_text(encoding="utf-8")))]


def test_no_outlet_carries_an_ownership_label_unless_all_do():
    """Ownership or funding labels for all outlets or none (issue 17): today none, in outlet and paraphrase."""
    src = data.load("sources")
    labels = ("state outlet", "state-owned", "state media", "state-run", "government-funded", "publicly funded")
    text = (src["outlet"] + " " + src["paraphrase"]).str.lower()
    assert not [sid for sid, t in text.items() if any(word in t for word in labels)]


def test_outside_figures_are_stored_as_a_source_gave_them():
    """n26 was a 550-560-mile range that no source gave; it is Rheinische Post's 885 km, 'about' as factcheck N26
    records it, from a 550-mile figure whose source the fact-check did not record."""
    est = data.load("estimates")
    n26 = est.loc["n26"]
    assert (n26["value"], n26["unit"], n26["bound"], n26["outlet"]) == (885.0, "km", "approx", "Rheinische Post")
    assert n26["source_chain"] == "550-mile figure (source not recorded) → Rheinische Post"
    assert n26["derived_from"] == ""  # no row holds the figure it converted (data/README.md)
    assert est.loc[est["in_article"] == "no", "bound"].ne("range").all()
