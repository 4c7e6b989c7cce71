"""The student flow of exercise 1 in a real browser, graded by nbgrader.

A copy of the released notebook is opened in JupyterLab and in Notebook 7 (headless Chromium), run,
and answered by clicking the widgets (a planned mix of right, accepted-alternate and wrong answers).

- With the newslit-recorder extension (as installed): each click is in the cell's ``recorded=``
  literal at once, so the toolbar's save button writes it without re-running any cell; keys pressed
  in a menu or text box change only the answer; axe-core finds no violation in the forms; in
  JupyterLab a page reload shows every answer and Restart Kernel and Run All Cells… loses none.
- With the extension disabled: every change says NOT RECORDED YET beside the item, at the top of
  the form and on its status line, and re-running each form cell (Shift+Enter) records the clicks.

Exercise 4 (a second article, released with its ``article/`` folder) is answered once in JupyterLab: its
article is shown, no cell fails, all five forms record clicks and typing.

``nbgrader autograde`` (kernels sandboxed where bwrap runs) must give each saved file exactly the score
the key predicts (``newslit.assign.key_entry`` of each solutions cell's metadata). Screenshots,
the server log and the saved notebooks land in test-artifacts/browser/ on failure.
"""

from __future__ import annotations

import ast
import shutil
import time

import nbformat
import pytest
from browser_student import Browser, JupyterServer, Processes, Student, keep_artifacts, require_browser
from harness import ROOT, autograde, form_cell, make_course, released, scores, submit

from newslit import assign, data, sandbox
from newslit.answers import normalize_cue

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ASSIGNMENT = "ex1"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
WRONG_CUES = ("reportedly", "said", "according to")
EXTENSION = "newslit-recorder"
FORM_QIDS = ("ex1-practice", "ex1-labels", "ex1-cues")


def graded_items(assignment: str) -> list[dict]:
    """Every autograded item of the released notebook: grade id, form, item, points, and its key as the
    grader builds it (``newslit.assign.key_entry`` of the solutions notebook's metadata); kind is the key's."""
    specs = assign.items(nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4))
    nb = released(assignment)
    items = []
    for cell in nb.cells:
        spec = cell.metadata.get("newslit")
        if cell.cell_type != "code" or not spec:
            continue
        gid = cell.metadata["nbgrader"]["grade_id"]
        key = assign.key_entry(specs[gid], ROOT)
        call = ast.parse(form_cell(nb, spec["answers"]).source).body[0].value
        items.append({"grade_id": gid, "var": spec["answers"], "qid": call.args[0].value, "item": spec["item"],
                      "kind": key["kind"], "key": key, "points": cell.metadata["nbgrader"]["points"]})
    assert [it["grade_id"] for it in items] == list(specs), "released and solutions notebooks grade different items"
    return items


def plan(items: list[dict], offset: int) -> list[dict]:
    """Answers to click or type, with the points each must earn, computed from each item's key.

    In notebook order (shifted by ``offset``), label items cycle through wrong / accepted alternate / right /
    right, choice items through wrong / accepted alternate / right (right when the key has no alternate),
    cue items alternate wrong / the key's last accepted cue.
    """
    out = []
    for n, it in enumerate(items):
        key = it["key"]
        if it["kind"] == "cue":
            norm = {normalize_cue(a) for a in key["accept"]}
            if (n + offset) % 2 == 0:
                answer = next(w for w in WRONG_CUES if normalize_cue(w) not in norm)
            else:
                answer = key["accept"][-1]
            right = normalize_cue(answer) in norm
        elif it["kind"] in ("label", "choice"):
            if it["kind"] == "label":
                best, alternates, options, cycle = key["label"], key["alternates"], data.LABELS, 4
            else:
                best, alternates, options, cycle = key["accept"][0], key["accept"][1:], key["options"], 3
            accepted = {best, *alternates}
            turn = (n + offset) % cycle
            if turn == 0:
                answer = next(o for o in options if o not in accepted)
            elif turn == 1 and alternates:
                answer = alternates[0]
            else:
                answer = best
            right = answer in accepted
        else:
            raise AssertionError(f"no browser plan for kind {it['kind']!r}")
        out.append({**it, "answer": answer, "expected": float(it["points"]) if right else 0.0})
    return out


def recorded_on_disk(path, var: str) -> dict:
    """The ``recorded=`` literal of the form cell for ``var`` in the saved notebook."""
    call = ast.parse(form_cell(nbformat.read(path, as_version=4), var).source).body[0].value
    literal = next(kw.value for kw in call.keywords if kw.arg == "recorded")
    return ast.literal_eval(literal)


def expected_literals(answers: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for a in answers:
        out.setdefault(a["var"], {})[a["item"]] = a["answer"]
    return out


def forms(answers: list[dict]) -> dict[str, tuple[str, int]]:
    """{var: (qid, number of items)} in notebook order."""
    out: dict[str, tuple[str, int]] = {}
    for a in answers:
        qid, n = out.get(a["var"], (a["qid"], 0))
        out[a["var"]] = (qid, n + 1)
    return out


def start(s: Student, practice: tuple[str, str]):
    """Run All, see the checks say "Not answered", get immediate feedback on a practice item."""
    s.run_all()
    s.wait_output(s.cell_with("before_you_submit("), "Not answered")
    s.shot("1-ran-all")
    claim, label = practice
    s.choose("ex1-practice", claim, label)
    s.see(s.page.locator(".nl-form-ex1-practice"), f"'{label}' is right")


def click_all(s: Student, answers: list[dict]) -> str:
    """Click every planned answer; the first one is first set to a decoy, then changed. Returns the decoy."""
    first = answers[0]
    decoy = next(lab for lab in data.LABELS if lab != first["answer"])
    for a in answers:
        if a["kind"] == "cue":
            s.type_text(a["qid"], a["item"], a["answer"])
        else:
            s.choose(a["qid"], a["item"], decoy if a is first else a["answer"])
    return decoy


def keys_stay_in_the_form(s: Student, label: dict, cue: dict):
    """Type-ahead, arrows, Enter and letters in a menu, typing and Enter in a text box, and letters after a
    double-click on a prompt change only the answers, each time starting with the cursor in a cell's
    editor (edit mode): no cell is added, removed or changes type, and no key lands in a cell's source."""
    cells = s.cell_types()
    editor = s.cell_with(f"{label['var']} = ask(").locator(".cm-content")
    editor.click()
    s.page.locator(f".nl-{label['qid']}-{label['item']} select").click()
    for key in ("Escape", "h", "ArrowDown", "ArrowUp", "r", "m", "y", "Enter", "Escape"):
        s.page.keyboard.press(key)
    assert s.shown(label["qid"], label["item"]) == "hedged"  # 'h' -> hedged, down -> denied, up -> hedged
    editor.click()
    s.page.locator(f".nl-{cue['qid']}-{cue['item']} input").click()
    s.page.keyboard.type("said")
    s.page.keyboard.press("Enter")
    editor.click()
    s.page.locator(f".nl-form-{label['qid']} .widget-html").nth(1).dblclick()  # a prompt's text
    for key in ("r", "a", "b", "m", "d", "ArrowUp", "Enter"):
        s.page.keyboard.press(key)
    s.page.wait_for_timeout(500)  # a shortcut, had one fired, would have changed the cells by now
    assert s.cell_types() == cells, f"{s.ui}: keys pressed in a form reached notebook shortcuts"
    assert s.shown(cue["qid"], cue["item"]) == "said" and s.shown(label["qid"], label["item"]) == "hedged"
    s.see(editor, f"'{label['item']}': 'hedged'")
    assert literal_in_page(s, label["var"]) == {label["item"]: "hedged"}
    assert literal_in_page(s, cue["var"]) == {cue["item"]: "said"}


def no_axe_violations(s: Student):
    """axe-core finds nothing within the course's forms; and it does find an unlabelled menu (the probe)."""
    for qid in FORM_QIDS:
        s.page.locator(f".nl-form-{qid}").scroll_into_view_if_needed()
        assert s.axe(f".nl-form-{qid}") == [], f"{s.ui}: axe-core violations in {qid}"
    s.page.evaluate("() => document.querySelector('.nl-form-ex1-labels').insertAdjacentHTML("
                    "'afterend', '<div class=\"nl-axe-probe\"><select><option>x</option></select></div>')")
    assert [v["id"] for v in s.axe(".nl-axe-probe")] == ["select-name"]
    s.page.evaluate("() => document.querySelector('.nl-axe-probe').remove()")


def recorded_on_click(s: Student, answers: list[dict], practice: tuple[str, str]):
    """With the extension: every click is written into its cell (no re-run), marked recorded, then saved."""
    start(s, practice)
    labels = [a for a in answers if a["kind"] == "label"]
    keys_stay_in_the_form(s, labels[1], next(a for a in answers if a["kind"] == "cue"))
    ran = {var: prompt(s, var) for var in forms(answers)}
    decoy = click_all(s, answers)
    first = answers[0]
    cell = s.cell_with(f"{first['var']} = ask(")
    s.see(cell.locator(".cm-content"), f"'{first['item']}': '{decoy}'")
    s.choose(first["qid"], first["item"], first["answer"])  # a recorded answer changed: the literal follows
    for qid, n in forms(answers).values():
        s.see(s.status(qid), f"Recorded in this cell: {n} of {n} answered.")
        assert s.banner(qid).text_content() == ""
    for a in answers:
        s.see(s.mark(a["qid"], a["item"]), "✓ recorded in the notebook")
    s.see(cell.locator(".cm-content"), f"'{first['item']}': '{first['answer']}'")
    assert f"'{first['item']}': '{decoy}'" not in s.source_of(cell)
    s.shot("2-clicked-recorded")
    s.save()
    assert {var: prompt(s, var) for var in ran} == ran, "a form cell was re-run"


def prompt(s: Student, var: str) -> str:
    """The execution count shown beside a form cell, e.g. "[7]:"."""
    return s.cell_with(f"{var} = ask(").locator(".jp-InputArea-prompt").text_content().strip()


def recorded_by_rerun(s: Student, answers: list[dict], practice: tuple[str, str]):
    """Without the extension: NOT RECORDED YET beside each change, at the top and on the status line;
    re-running each form cell records the clicks; one change re-recorded; saved."""
    start(s, practice)
    first = answers[0]
    decoy = click_all(s, answers)
    for var, (qid, n) in forms(answers).items():
        s.see(s.status(qid), f"NOT RECORDED YET: {n} change(s)")
        s.see(s.banner(qid), f"NOT RECORDED YET: {n} change(s)")
        assert "recorded=None" in s.source_of(s.cell_with(f"{var} = ask(")), f"{qid} recorded before the re-run"
    for a in answers:
        s.see(s.mark(a["qid"], a["item"]), "NOT RECORDED YET")
    s.shot("2-clicked-not-recorded")

    for var, (qid, n) in forms(answers).items():
        cell = s.cell_with(f"{var} = ask(")
        s.rerun(cell)
        s.see(s.status(qid), f"Recorded in this cell: {n} of {n} answered.")
        s.see(cell.locator(".cm-content"), "recorded={")
        assert s.banner(qid).text_content() == ""
    s.shot("3-recorded")

    cell = s.cell_with(f"{first['var']} = ask(")
    assert f"'{first['item']}': '{decoy}'" in s.source_of(cell)
    s.choose(first["qid"], first["item"], first["answer"])
    s.see(s.status(first["qid"]), f"NOT RECORDED YET: 1 change(s) ({first['item']})")
    s.see(s.mark(first["qid"], first["item"]), "NOT RECORDED YET")
    s.rerun(cell)
    s.see(cell.locator(".cm-content"), f"'{first['item']}': '{first['answer']}'")
    s.save()
    s.shot("4-saved")


def literal_in_page(s: Student, var: str) -> dict:
    """The ``recorded=`` literal of the form cell for ``var`` as the page's editor shows it."""
    call = ast.parse(s.source_of(s.cell_with(f"{var} = ask("))).body[0].value
    return ast.literal_eval(next(kw.value for kw in call.keywords if kw.arg == "recorded"))


def failed_outputs(path) -> list[dict]:
    """Error and stderr outputs of a notebook file."""
    return [o for c in nbformat.read(path, as_version=4).cells for o in c.get("outputs", [])
            if o.output_type == "error" or o.get("name") == "stderr"]


def all_shown(s: Student, answers: list[dict]):
    shown = {(a["qid"], a["item"]): s.shown(a["qid"], a["item"]) for a in answers}
    assert shown == {(a["qid"], a["item"]): a["answer"] for a in answers}, f"{s.ui}: the forms do not show the answers"


def setting() -> tuple[list[dict], tuple[str, str]]:
    items = graded_items(ASSIGNMENT)
    assert items, "the released notebook has no autograded items"
    public = data.load("claims")
    practice_id = public.index[public["role"] == "practice"][0]
    return items, (practice_id, public.loc[practice_id, "label"])


class Run:
    """One browser test's server, browser, students and submissions; on failure, keeps the evidence."""

    def __init__(self, tmp_path, uis: list[str], disabled: tuple[str, ...] = (), assignment: str = ASSIGNMENT):
        self.tmp, self.uis, self.assignment = tmp_path, uis, assignment
        self.work, self.shots, self.saved = tmp_path / "work", tmp_path / "shots", tmp_path / "saved"
        for ui in uis:  # each UI gets a copy of the released folder (the notebook and any article/)
            shutil.copytree(ROOT / "exercises" / assignment, self.work / ui)
        self.saved.mkdir(parents=True)
        self.procs = Processes()
        self.server = JupyterServer(tmp_path / "jupyter", self.work, disabled)
        self.browser = None
        self.students: list[Student] = []
        self.submissions: dict[str, tuple[bytes, list[dict]]] = {}

    def __enter__(self):
        self.server.start()
        self.browser = Browser(self.tmp / "chromium-profile")
        return self

    def student(self, ui: str) -> Student:
        s = Student(self.browser, self.server, ui, f"{ui}/{self.assignment}.ipynb", self.shots)
        self.students.append(s)
        return s

    def keep(self, name: str, s: Student, answers: list[dict]):
        """The saved file as a submission, once its form cells hold exactly the clicked answers."""
        for var, expected in expected_literals(answers).items():
            assert recorded_on_disk(s.file, var) == expected, f"{name}: {var} on disk differs from the clicks"
        self.submissions[name] = (s.file.read_bytes(), answers)
        (self.saved / f"{name}.ipynb").write_bytes(self.submissions[name][0])

    def grade(self) -> dict:
        """Autograde every submission (kernels sandboxed where bwrap runs); each item must score exactly what
        the key predicts."""
        course = make_course(self.tmp)
        for student, (nb_bytes, _) in self.submissions.items():
            submit(course, student, self.assignment, nb_bytes)
        log = autograde(course, self.assignment).stderr
        if sandbox.unavailable() is None:
            assert "NOT sandboxed" not in log, "bwrap runs here, yet autograde ran the kernels unprotected"
        got = scores(course, self.assignment)
        for student, (_, answers) in self.submissions.items():
            expected = {a["grade_id"]: a["expected"] for a in answers}
            assert {gid: got[student].get(gid) for gid in expected} == expected, \
                f"{student}: per-item scores differ from the key's prediction"
            assert 0 < sum(expected.values()) < sum(a["points"] for a in answers)
        return got

    def __exit__(self, kind, error, tb):
        if kind is not None:
            self.shots.mkdir(parents=True, exist_ok=True)
            for s in self.students:
                (self.shots / f"{s.ui}-console-errors.txt").write_text("\n".join(s.console))
            pages = [p for p in (self.browser.context.pages if self.browser else []) if p.url != "about:blank"]
            for n, page in enumerate(pages):
                try:
                    page.screenshot(path=str(self.shots / f"failure-page{n}.png"))
                except Exception:  # a crashed page must not hide the original error
                    pass
            keep_artifacts(ARTIFACTS, {
                "shots": self.shots, "saved": self.saved, "server.log": self.tmp / "jupyter" / "server.log",
                "autograded": self.tmp / "course" / "grading" / "autograded",
                **{f"{ui}-on-disk-{self.assignment}.ipynb": self.work / ui / f"{self.assignment}.ipynb"
                   for ui in self.uis}})
        if self.browser is not None:
            self.browser.close()
        self.server.stop()
        killed = self.procs.stop()  # whatever outlived them (kernels run in their own sessions)
        if kind is None:
            assert self.procs.new() == [], "processes left running after the test"
            assert killed == [], f"processes needed SIGKILL: {killed}"


def test_clicks_are_in_the_saved_notebook_without_a_rerun_in_jupyterlab_and_notebook7(tmp_path):
    """Extension on: click -> save -> autograde gives the planned score; keys stay in forms; axe clean;
    in Lab a reload shows every answer and Restart and Run All loses none."""
    require_browser()
    started = time.monotonic()
    items, practice = setting()
    plans = {"lab": plan(items, 0), "nb7": plan(items, 1)}
    with Run(tmp_path, list(plans)) as run:
        for ui, answers in plans.items():
            s = run.student(ui)
            recorded_on_click(s, answers, practice)
            run.keep(f"browser_{ui}", s, answers)
            no_axe_violations(s)
            if ui == "lab":
                s.reload()  # every answer is in its form cell's source as the page shows it
                for var, expected in expected_literals(answers).items():
                    assert literal_in_page(s, var) == expected, f"reload: {var} on the page differs from the clicks"
                s.restart_run_all()
                summary = s.cell_with("before_you_submit(")
                for qid, n in forms(answers).values():
                    s.wait_output(summary, f"{qid}: all {n} items answered and recorded")
                s.kernel_ready()
                all_shown(s, answers)
                s.shot("5-restarted-run-all")
                s.save()
                run.keep("browser_lab_restart", s, answers)
            s.close()
        browser_seconds = time.monotonic() - started
        got = run.grade()
        assert got["browser_lab"] == got["browser_lab_restart"]
    print(f"browser part {browser_seconds:.1f}s, total {time.monotonic() - started:.1f}s; totals "
          + ", ".join(f"{st}={sum(v or 0 for v in got[st].values()):g}" for st in sorted(got)))


def test_without_the_extension_reruns_record_the_clicks_and_warnings_show(tmp_path):
    """Extension disabled (as in a front end without it): warnings beside, above and below; Shift+Enter
    records; autograde gives the planned score."""
    require_browser()
    started = time.monotonic()
    items, practice = setting()
    answers = plan(items, 2)
    with Run(tmp_path, ["lab"], disabled=(EXTENSION,)) as run:
        s = run.student("lab")
        recorded_by_rerun(s, answers, practice)
        run.keep("browser_lab_no_extension", s, answers)
        s.close()
        run.grade()
    print(f"total {time.monotonic() - started:.1f}s")


def test_exercise_4_on_a_second_article_in_jupyterlab(tmp_path):
    """Exercise 4, released with its article pack's public part (article/): Run All prints that article and no
    cell fails; all five forms are answered by clicking and typing and saved from the toolbar (no re-run);
    autograde gives each item exactly the points its key (packs/.../key/) predicts."""
    require_browser()
    started = time.monotonic()
    answers = plan(graded_items("ex4"), 1)
    article = (ROOT / "exercises" / "ex4" / "article" / "article.txt").read_text(encoding="utf-8")
    with Run(tmp_path, ["lab"], assignment="ex4") as run:
        s = run.student("lab")
        s.run_all()
        summary = s.cell_with("before_you_submit(").locator(".jp-OutputArea", has_text="Not answered")
        errors = s.page.locator(".jp-Notebook [data-mime-type='application/vnd.jupyter.stderr']")
        summary.or_(errors).first.wait_for(timeout=60_000)  # Run All stops at a cell that fails
        assert errors.count() == 0, f"Run All shows an error: {errors.first.text_content()[-500:]}"
        read = s.cell_with("print(article_text())")
        read.scroll_into_view_if_needed()
        printed = read.locator(".jp-OutputArea").text_content()
        missing = [line for line in article.splitlines() if line.strip() and line not in printed]
        assert missing == [], f"the read cell does not show the article in article/: {missing[:1]}"
        ran = {var: prompt(s, var) for var in forms(answers)}
        click_all(s, answers)
        first = answers[0]
        s.choose(first["qid"], first["item"], first["answer"])  # the decoy clicked first is changed back
        for qid, n in forms(answers).values():
            s.see(s.status(qid), f"Recorded in this cell: {n} of {n} answered.")
        for a in answers:
            s.see(s.mark(a["qid"], a["item"]), "✓ recorded in the notebook")
        all_shown(s, answers)
        s.shot("ex4-answered")
        s.save()
        assert {var: prompt(s, var) for var in ran} == ran, "a form cell was re-run"
        run.keep("browser_lab_ex4", s, answers)
        assert failed_outputs(s.file) == [], "the saved notebook holds error output"
        s.close()
        browser_seconds = time.monotonic() - started
        got = run.grade()["browser_lab_ex4"]
        graded = tmp_path / "course" / "grading" / "autograded" / "browser_lab_ex4" / "ex4" / "ex4.ipynb"
        assert failed_outputs(graded) == [], "the grader's run of the notebook (in its sandbox) failed"
        assert article in "".join(o.get("text", "") for c in nbformat.read(graded, as_version=4).cells
                                  if "print(article_text())" in c.source for o in c.outputs)
    print(f"browser part {browser_seconds:.1f}s, total {time.monotonic() - started:.1f}s; "
          f"score {sum(v or 0 for v in got.values()):g} of {sum(a['points'] for a in answers):g}")
