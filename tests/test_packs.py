"""Article packs: any article becomes graded notebooks from a text file, CSVs and an outline.

The course's own article (data/) and every pack in packs/ rebuild the committed solutions/ and
exercises/ byte for byte; a third pack made only of the text and CSVs in tests/packs/mini/ is started,
built, released and graded end to end; broken rows and outlines get messages naming file, row and field.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from harness import ROOT, nbgrader, record, scores, submit

from newslit import data, outline, packs
from newslit.cli import main

MINI = ROOT / "tests" / "packs" / "mini"
PACKS = [ROOT / "data", *sorted(p for p in (ROOT / "packs").glob("*") if data.is_pack(p))]


def course_without_notebooks(tmp_path: Path) -> Path:
    """A course folder holding the config, templates and packs, but no solutions/ or exercises/."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "templates", course / "templates")
    return course


def start_mini(course: Path, capsys=None) -> Path:
    """`newslit pack new` on the mini text, then its CSVs copied in (what an instructor fills in)."""
    folder = course / "packs" / "mini"
    assert main(["--course", str(course), "pack", "new", str(folder), "--text", str(MINI / "article.txt"),
                 "--assignment", "mini"]) == 0
    for src in [*MINI.glob("*.csv"), *MINI.glob("key/*.csv"), MINI / "SOURCE.md"]:
        shutil.copyfile(src, folder / src.relative_to(MINI))
    return folder


def test_sentences_of_a_new_pack_reproduce_the_course_articles_table():
    rows = packs.sentences(data.article_text(ROOT))
    with open(ROOT / "data" / "sentences.csv", encoding="utf-8", newline="") as fh:
        committed = list(csv.DictReader(fh))
    assert [{k: str(v) for k, v in r.items()} for r in rows] == committed


@pytest.mark.parametrize("folder", PACKS, ids=lambda p: p.name)
def test_every_pack_is_valid_and_every_graded_item_has_a_key(folder):
    pack = packs.read(folder)
    counts = packs.check(pack)
    assert all(counts[a] > 0 for a in pack.assignments)


def test_key_evidence_feedback_cites_the_reports_of_the_items_own_pack():
    """ex4's key evidence is graded from its pack: the feedback names that pack's outlets, not data/'s."""
    from newslit import assign

    specs = {spec["item"]: spec for spec in assign.items(nbformat.read(ROOT / "solutions" / "ex4" / "ex4.ipynb", 4)).values()
             if spec["kind"] == "verdict_evidence"}
    pack = data.item_root(specs["c08"], ROOT)
    why = assign.key_entry(specs["c08"], ROOT)["why"]
    outlets = {r["outlet"] for r in data.records("sources", root=pack).values()}
    cited = [o for o in outlets if o in why]
    assert cited and all(f"({o}," in why for o in cited)
    dw = {r["outlet"] for r in data.records("sources", root=ROOT).values()} - outlets
    assert not [o for o in dw if f"({o}," in why]


@pytest.mark.slow
def test_building_every_pack_reproduces_solutions_and_exercises_byte_for_byte(tmp_path):
    course = course_without_notebooks(tmp_path)
    shutil.copytree(ROOT / "data", course / "data")
    if (ROOT / "packs").is_dir():
        shutil.copytree(ROOT / "packs", course / "packs")
    for folder in PACKS:
        assert main(["--course", str(course), "pack", "build", str(course / folder.relative_to(ROOT))]) == 0
    for top in ("solutions", "exercises"):
        built = sorted(p.relative_to(course) for p in (course / top).rglob("*") if p.is_file())
        committed = sorted(p.relative_to(ROOT) for p in (ROOT / top).rglob("*") if p.is_file())
        assert built == committed
        for rel in built:
            assert (course / rel).read_bytes() == (ROOT / rel).read_bytes(), rel


@pytest.mark.slow
def test_a_third_pack_from_text_and_csvs_builds_releases_and_grades(tmp_path):
    course = course_without_notebooks(tmp_path)
    start_mini(course)
    assert main(["--course", str(course), "pack", "build", str(course / "packs" / "mini")]) == 0
    release = course / "exercises" / "mini"
    assert sorted(p.name for p in (release / "article").iterdir()) == sorted(
        p.name for p in packs.public_files(packs.read(course / "packs" / "mini")))
    assert not (release / "article" / "key").exists()
    answers = {"labels": {"c01": "attributed", "c02": "denied"}, "cues": {"c01": "said"}, "bounds": {"e01": "upper"}}
    for student, given in (("perfect", answers), ("blank", {})):
        nb = nbformat.read(release / "mini.ipynb", as_version=4)
        for var, value in given.items():
            record(nb, var, value)
        path = submit(course, student, "mini", nb)
        shutil.copytree(release / "article", path.parent / "article")  # students hand in the whole folder
    nbgrader(course, "autograde", "mini", "--force")
    got = scores(course, "mini")
    auto = {g: s for g, s in got["perfect"].items() if g != "check_first"}
    assert auto == {"labels_c01": 1, "labels_c02": 1, "cues_c01": 1, "bounds_e01": 1}
    assert sum(v or 0 for g, v in got["blank"].items() if g != "check_first") == 0
    graded = nbformat.read(course / "grading" / "autograded" / "perfect" / "mini" / "mini.ipynb", as_version=4)
    errors = [o for c in graded.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []  # the setup cell found the article beside the notebook, sandboxed or not
    read = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "read")
    assert "up to 300 trucks" in read.outputs[0]["text"]


def test_a_broken_row_names_file_row_and_field(tmp_path, capsys):
    course = course_without_notebooks(tmp_path)
    folder = start_mini(course)
    assert main(["pack", "check", str(folder)]) == 0
    path = folder / "claims.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",30,76,", ",31,76,"), encoding="utf-8")
    assert main(["pack", "check", str(folder)]) == 2
    assert ("mini/claims.csv, row 2, field 'span': not the exact article text at offsets 31-76 (article has "
            "'p to 300 trucks crossed the border last month'); the span is at 30-76") in capsys.readouterr().err


@pytest.mark.parametrize("edit, message", [
    (("key/claims.csv", "c02,denied,", "c02,refuted,"), "key/claims.csv, row 3, field 'label': unknown value"),
    (("key/claims.csv", "\nc02,denied,,the ministry,denied,none,denied,\"A party says the report is false: denied "
      "(rule 1).\"", ""), "claims.csv, row 3, field 'claim_id': assessed item 'c02' has no row in key/claims.csv"),
    (("key/estimates.csv", ",\"'Up to' sets a ceiling: at most 300 trucks, perhaps far fewer.\"", ","),
     "key/estimates.csv, row 2, field 'explanation': e01 is graded"),
    (("key/estimates.csv", ",upper,", ",ceiling,"), "key/estimates.csv, row 2, field 'bound': unknown value"),
    (("exercises/mini.md", "items=c01,c02", "items=c01,c03"), "mini/exercises/mini.md, line 52, field 'items': "
     "'c03' is a practice row"),
    (("exercises/mini.md", "<!-- cell student -->", "<!-- cell studnet -->"), "line 49, field 'kind': unknown cell kind"),
    (("exercises/mini.md", "ASSESSED = ['c01', 'c02']", "ASSESSED = ['c01', 'c02', 'c03']"),
     "line 52, field 'items': 'c03' is asked by the form at line 49 but not graded here"),
    (("exercises/mini.md", "items=c01,c02", "items=c01"), "line 52, field 'items': 'c02' is asked by the form"),
    (("claims.csv", "c02,s02,", "c02,s01,"), "mini/claims.csv, row 3, field 'sentence_id': the span is not inside s01; "
     "it is inside s02"),
    (("key/claims.csv", ",said,neutral,said,", ",sayd,neutral,sayd,"), "mini/key/claims.csv, row 2, field 'cue': 'sayd' "
     "is not in the claim's sentence (s01)"),
    (("claims.csv", "c01,s01,30,76,up to 300 trucks crossed the border last month,assessed,,",
      "c01,s01,30,76,up to 300 trucks crossed the border last month,assessed,attributed,"),
     "mini/claims.csv, row 2, field 'label': assessed items keep their answers in mini/key/claims.csv"),
    (("pack.toml", 'name = "mini"', 'name = "other"'), "mini/pack.toml, field 'name': 'other' is not the folder's name"),
    (("SOURCE.md", "Invented", "Invented"), None),
])
def test_authoring_errors_are_caught_before_any_notebook_is_written(tmp_path, capsys, edit, message):
    course = course_without_notebooks(tmp_path)
    folder = start_mini(course)
    file, old, new = edit
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1) if message else packs.SOURCE_STARTER, encoding="utf-8")
    message = message or "mini/SOURCE.md, row 1, field 'licence': still the starter text"
    assert main(["--course", str(course), "pack", "build", str(folder)]) == 2
    assert message in capsys.readouterr().err
    assert not (course / "solutions").exists()


def add_verdict(folder: Path, evidence: str) -> None:
    """A verdict item on c01 decided by one outside report (src01, Example News)."""
    (folder / "sources.csv").write_text(
        "source_id,outlet,date,date_basis,url,claims,estimates,role,bearing,evidence,paraphrase,figures\n"
        "src01,Example News,2024-01-02,published,https://example.org/a,c01,,assessed,,MEM,"
        "We recall a report of trucks at the border.,\n", encoding="utf-8")
    (folder / "key" / "sources.csv").write_text("source_id,bearing\nsrc01,corroborates\n", encoding="utf-8")
    (folder / "verdicts.csv").write_text("claim_id,role,shown,verdict,accept,deciding,explanation,evidence_why\n"
                                         "c01,assessed,src01,,,,,\n", encoding="utf-8")
    (folder / "key" / "verdicts.csv").write_text(
        "claim_id,verdict,accept,deciding,explanation,evidence_why\n"
        "c01,confirmed,,src01,A report backs it.,It is the only report.\n", encoding="utf-8")
    if evidence != "MEM":
        (folder / "sources.csv").write_text((folder / "sources.csv").read_text(encoding="utf-8").replace(
            ",MEM,", f",{evidence},"), encoding="utf-8")


def test_a_verdict_decided_by_a_recalled_source_is_refused(tmp_path, capsys):
    course = course_without_notebooks(tmp_path)
    folder = start_mini(course)
    add_verdict(folder, "MEM")
    assert main(["pack", "check", str(folder)]) == 2
    assert ("key/verdicts.csv, row 2, field 'deciding': src01 is MEM evidence: only a source read (READ) or "
            "computed (CALC) may decide a verdict") in capsys.readouterr().err
    sources = folder / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace(",MEM,", ",READ,"), encoding="utf-8")
    assert main(["pack", "check", str(folder)]) == 0
    toml = folder / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + 'date = "2023-12-31"\n', encoding="utf-8")
    assert main(["pack", "check", str(folder)]) == 2
    assert ("key/verdicts.csv, row 2, field 'deciding': src01 is dated 2024-01-02, after the article (2023-12-31)"
            in capsys.readouterr().err)


def test_outline_markers_need_known_kinds_ids_and_fields():
    with pytest.raises(outline.OutlineError, match=r"x.md, line 1, field 'id'"):
        outline.parse("<!-- cell markdown -->\ntext", "x.md")
    with pytest.raises(outline.OutlineError, match=r"x.md, line 3, field 'points'"):
        outline.parse("<!-- cell code a -->\n1\n<!-- cell written w -->\nanswer", "x.md")
    with pytest.raises(outline.OutlineError, match=r"x.md, line 1: text before"):
        outline.parse("stray\n<!-- cell code a -->\n1", "x.md")
    cells = outline.parse("<!-- cell checks labels_ answers=labels check=label qid=q table=claims kind=label "
                          "items=c01,c02 -->\n", "x.md")
    nb = outline.notebook(cells, pack="mini")
    assert [c.metadata["nbgrader"]["grade_id"] for c in nb.cells] == ["labels_c01", "labels_c02"]
    assert nb.cells[1].metadata["newslit"] == {"table": "claims", "item": "c02", "kind": "label",
                                               "answers": "labels", "pack": "mini"}
    assert nb.cells[1].source == "check_answer(labels, 'c02', 'label', qid='q')"


def test_another_articles_keys_and_answer_key_read_that_article(tmp_path):
    """The grader builds a pack item's key in its own process, beside the course's article: its citations,
    sentences and answer-key rows must come from the pack (once they cited the course's sources)."""
    from newslit import assign, classroom, report

    course = course_without_notebooks(tmp_path)
    folder = start_mini(course)
    add_verdict(folder, "READ")
    key = assign.key_entry({"table": "verdicts", "item": "c01", "kind": "verdict_evidence", "pack": "mini"}, course)
    assert key["accept"] == ["src01"] and "src01 (Example News, 2024-01-02)" in key["why"]
    assert main(["--course", str(course), "pack", "build", str(folder), "--no-release"]) == 0
    text = report.answer_key(classroom.Course(course))
    assert "| c01 | label | up to 300 trucks crossed the border last month | **attributed** |  | officials · said |" in text


def _ngrams(text: str, n: int) -> set[str]:
    w = re.findall(r"[\w']+", text.casefold().replace("’", "'"))
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


@pytest.mark.parametrize("folder", PACKS, ids=lambda p: p.name)
def test_paraphrases_are_the_teams_own_words(folder):
    """No outside report's paraphrase copies 12 words of the article, nor any key text 8 words of the pack's
    research notes (paraphrased, never copied)."""
    article = _ngrams(data.article_text(folder), 12)
    srcs = data.records("sources", root=folder, with_key=True) if (folder / "sources.csv").is_file() else {}
    assert [sid for sid, r in srcs.items() if _ngrams(r["paraphrase"], 12) & article] == []
    notes = folder / "research.md"
    if notes.is_file():
        research = _ngrams(notes.read_text(encoding="utf-8"), 8)
        texts = [(sid, r["paraphrase"]) for sid, r in srcs.items()]
        for table in ("verdicts", "claims", "estimates"):
            if (folder / data.TABLES[table].file).is_file():
                rows = data.records(table, root=folder, with_key=True)
                texts += [(i, r.get(f) or "") for i, r in rows.items() for f in ("explanation", "evidence_why")]
        assert [i for i, t in texts if _ngrams(t, 8) & research] == []


@pytest.mark.parametrize("folder", [p for p in PACKS if p.name != "data"], ids=lambda p: p.name)
def test_another_article_records_its_provenance_and_licence(folder):
    source = (folder / "SOURCE.md").read_text(encoding="utf-8")
    assert re.search(r"https?://\S+", source) and re.search(r"public domain|CC BY", source, re.I)
    pack = packs.read(folder)
    assert pack.date, "the article's date decides which reports may settle a verdict"


def test_new_packs_split_sentences_but_not_after_abbreviations_and_live_in_packs(tmp_path):
    text = "Dr. Ana Ruiz said the U.S. Army agreed. Gen. Smith did not. “Why?” she asked."
    assert [r["text"] for r in packs.sentences(text)] == ["Dr. Ana Ruiz said the U.S. Army agreed.",
                                                          "Gen. Smith did not.", "“Why?” she asked."]
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    with pytest.raises(data.DataError, match="packs/other"):
        packs.new(tmp_path / "elsewhere" / "other", tmp_path / "a.txt", "other", "ex9")
