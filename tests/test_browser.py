"""The student flow of exercise 1 in a real browser, graded by nbgrader.

A copy of the released notebook is opened in JupyterLab and in Notebook 7 (headless Chromium),
run, answered by clicking the widgets (a planned mix of right, accepted-alternate and wrong
answers), recorded by re-running each form cell with Shift+Enter, and saved with the toolbar's
save button. In JupyterLab the student then does Kernel > Restart Kernel and Run All Cells… and
saves again. ``nbgrader autograde`` must give each saved file exactly the score the key predicts.
Screenshots, the server log and the saved notebooks land in test-artifacts/browser/ on failure.
"""

from __future__ import annotations

import ast
import shutil
import time

import pytest
from browser_student import Browser, JupyterServer, Processes, Student, keep_artifacts, require_browser
from harness import ROOT, autograde, form_cell, make_course, released, scores, submit

from newslit import data
from newslit.answers import normalize_cue

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ASSIGNMENT = "ex1"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
WRONG_CUES = ("reportedly", "said", "according to")


def graded_items(nb) -> list[dict]:
    """Every autograded test cell of the released notebook: grade id, form, item, kind, points."""
    items = []
    for cell in nb.cells:
        spec = cell.metadata.get("newslit")
        if cell.cell_type != "code" or not spec:
            continue
        call = ast.parse(form_cell(nb, spec["answers"]).source).body[0].value
        items.append({"grade_id": cell.metadata["nbgrader"]["grade_id"], "var": spec["answers"],
                      "qid": call.args[0].value, "item": spec["item"], "kind": spec["kind"],
                      "points": cell.metadata["nbgrader"]["points"]})
    return items


def plan(items: list[dict], offset: int) -> list[dict]:
    """Answers to click, with the points each must earn, computed from data/key/claims.csv.

    Label items cycle through wrong / accepted alternate / right / right (shifted by ``offset``);
    cue items alternate wrong / right.
    """
    key = data.load("claims", with_key=True)
    out = []
    for n, it in enumerate(items):
        row = key.loc[it["item"]]
        if it["kind"] == "label":
            alternates = [a for a in row["alternates"].split("|") if a]
            accepted = {row["label"], *alternates}
            turn = (n + offset) % 4
            if turn == 0:
                answer = next(lab for lab in data.LABELS if lab not in accepted)
            elif turn == 1 and alternates:
                answer = alternates[0]
            else:
                answer = row["label"]
            right = answer in accepted
        elif it["kind"] == "cue":
            accepted = [a for a in row["cue_answers"].split("|") if a] or [row["cue"]]
            norm = {normalize_cue(a) for a in accepted}
            if (n + offset) % 2 == 0:
                answer = next(w for w in WRONG_CUES if normalize_cue(w) not in norm)
            else:
                answer = accepted[-1]
            right = answer in accepted
        else:
            raise AssertionError(f"no browser plan for kind {it['kind']!r}")
        out.append({**it, "answer": answer, "expected": float(it["points"]) if right else 0.0})
    return out


def recorded_on_disk(path, var: str) -> dict:
    """The ``recorded=`` literal of the form cell for ``var`` in the saved notebook."""
    import nbformat

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


def answer_and_record(s: Student, answers: list[dict], practice: tuple[str, str]):
    """Run All, click every answer, see NOT RECORDED YET, re-run each form cell; change one answer
    and re-record it; save."""
    s.run_all()
    summary = s.cell_with("before_you_submit(")
    s.wait_output(summary, "Not answered")
    s.shot("1-ran-all")

    claim, label = practice  # immediate feedback on a practice item
    s.choose("ex1-practice", claim, label)
    s.see(s.page.locator(".nl-form-ex1-practice"), f"'{label}' is right")

    first = answers[0]  # first recorded as a decoy, then changed: re-recording must replace it
    decoy = next(lab for lab in data.LABELS if lab != first["answer"])
    for a in answers:
        if a["kind"] == "label":
            s.choose(a["qid"], a["item"], decoy if a is first else a["answer"])
        else:
            s.type_text(a["qid"], a["item"], a["answer"])
    for var, (qid, n) in forms(answers).items():
        s.see(s.status(qid), f"NOT RECORDED YET: {n} change(s)")
        assert "recorded=None" in s.source_of(s.cell_with(f"{var} = ask(")), f"{qid} recorded before the re-run"
    s.shot("2-clicked-not-recorded")

    for var, (qid, n) in forms(answers).items():
        cell = s.cell_with(f"{var} = ask(")
        s.rerun(cell)
        s.see(s.status(qid), f"Recorded in this cell: {n} of {n} answered.")
        s.see(cell.locator(".cm-content"), "recorded={")
    s.shot("3-recorded")

    cell = s.cell_with(f"{first['var']} = ask(")
    assert f"'{first['item']}': '{decoy}'" in s.source_of(cell)
    s.choose(first["qid"], first["item"], first["answer"])
    s.see(s.status(first["qid"]), f"NOT RECORDED YET: 1 change(s) ({first['item']})")
    s.rerun(cell)
    s.see(cell.locator(".cm-content"), f"'{first['item']}': '{first['answer']}'")
    s.save()
    s.shot("4-saved")


def test_clicked_answers_are_graded_in_jupyterlab_and_notebook7(tmp_path):
    """Clicks -> Shift+Enter -> save -> nbgrader autograde gives exactly the planned score (Lab, restart, NB7)."""
    require_browser()
    started = time.monotonic()
    items = graded_items(released(ASSIGNMENT))
    assert items, "the released notebook has no autograded items"
    plans = {"lab": plan(items, 0), "nb7": plan(items, 1)}
    public = data.load("claims")
    practice_id = public.index[public["role"] == "practice"][0]
    practice = (practice_id, public.loc[practice_id, "label"])

    work, shots, saved = tmp_path / "work", tmp_path / "shots", tmp_path / "saved"
    for d in (work / "lab", work / "nb7", saved):
        d.mkdir(parents=True)
    for ui in plans:
        shutil.copy(ROOT / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", work / ui / f"{ASSIGNMENT}.ipynb")

    procs = Processes()
    server = browser = None
    students: list[Student] = []
    submissions = {}

    def keep(student: str, s: Student, answers: list[dict]):
        submissions[student] = (s.file.read_bytes(), answers)
        (saved / f"{student}.ipynb").write_bytes(submissions[student][0])

    try:
        server = JupyterServer(tmp_path / "jupyter", work)
        server.start()
        browser = Browser(tmp_path / "chromium-profile")

        for ui, answers in plans.items():
            s = Student(browser, server, ui, f"{ui}/{ASSIGNMENT}.ipynb", shots)
            students.append(s)
            answer_and_record(s, answers, practice)
            literals = expected_literals(answers)
            for var, expected in literals.items():
                assert recorded_on_disk(s.file, var) == expected, f"{ui}: {var} on disk differs from the clicks"
            keep(f"browser_{ui}", s, answers)

            if ui == "lab":  # the same student restarts the kernel, runs everything again and saves
                s.restart_run_all()
                summary = s.cell_with("before_you_submit(")
                for qid, n in forms(answers).values():
                    s.wait_output(summary, f"{qid}: all {n} items answered and recorded.")
                s.kernel_ready()
                shown = {(a["qid"], a["item"]): s.shown(a["qid"], a["item"]) for a in answers}
                assert shown == {(a["qid"], a["item"]): a["answer"] for a in answers}
                s.shot("5-restarted-run-all")
                s.save()
                for var, expected in literals.items():
                    assert recorded_on_disk(s.file, var) == expected, f"restart: {var} changed on disk"
                keep("browser_lab_restart", s, answers)
            s.close()
            students.remove(s)
        browser_seconds = time.monotonic() - started

        course = make_course(tmp_path)
        for student, (nb_bytes, _) in submissions.items():
            submit(course, student, ASSIGNMENT, nb_bytes)
        autograde(course, ASSIGNMENT)
        got = scores(course, ASSIGNMENT)
        for student, (_, answers) in submissions.items():
            expected = {a["grade_id"]: a["expected"] for a in answers}
            actual = {gid: got[student].get(gid) for gid in expected}
            assert actual == expected, f"{student}: per-item scores differ from the key's prediction"
            total = sum(expected.values())
            assert 0 < total < sum(a["points"] for a in answers)
            assert sum(actual.values()) == total
        assert got["browser_lab"] == got["browser_lab_restart"]
        print(f"browser part {browser_seconds:.1f}s, total {time.monotonic() - started:.1f}s; totals "
              + ", ".join(f"{st}={sum(v or 0 for v in got[st].values()):g}" for st in sorted(got)))
    except BaseException:
        shots.mkdir(parents=True, exist_ok=True)
        for s in students:
            (shots / f"{s.ui}-console-errors.txt").write_text("\n".join(s.console))
        for n, page in enumerate(p for p in (browser.context.pages if browser else []) if p.url != "about:blank"):
            try:
                page.screenshot(path=str(shots / f"failure-page{n}.png"))
            except Exception:  # a crashed page must not hide the original error
                pass
        keep_artifacts(ARTIFACTS, {
            "shots": shots, "saved": saved, "server.log": tmp_path / "jupyter" / "server.log",
            "autograded": tmp_path / "course" / "grading" / "autograded",
            **{f"{ui}-on-disk-{ASSIGNMENT}.ipynb": work / ui / f"{ASSIGNMENT}.ipynb" for ui in plans}})
        raise
    finally:
        if browser is not None:
            browser.close()
        if server is not None:
            server.stop()
        killed = procs.stop()  # whatever outlived them (kernels run in their own sessions)
    assert procs.new() == [], "processes left running after the test"
    assert killed == [], f"processes needed SIGKILL: {killed}"
