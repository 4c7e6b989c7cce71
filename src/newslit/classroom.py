"""Instructor side: grade a whole class with nbgrader, in parallel, and check the feedback.

A *course* is a folder with ``nbgrader_config.py`` (the repository itself, or a copy made by
``newslit demo``). Its settings (directories, ``db_url``) are read with nbgrader's own config
loader, so a course pointed at PostgreSQL works unchanged.

Grading runs a few ``nbgrader autograde`` processes at once, one per worker, each given a share
of the students (``--CourseDirectory.student_id_exclude`` lists everyone else): nbgrader's start-up
(~2 s) is paid once per worker, not once per student. Students whose grading failed are retried
once in a single process (a kernel port race between parallel kernels is the usual cause).
"""

from __future__ import annotations

import csv
import glob
import html
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import nbformat

from newslit import assign, data


class CourseError(RuntimeError):
    """The course folder or its gradebook is not usable; the message says what to do."""


@dataclass(frozen=True)
class GradeCell:
    """One graded cell of a source notebook; ``spec`` is its newslit metadata (None: graded by hand)."""

    assignment: str
    notebook: str
    grade_id: str
    points: float
    cell_type: str
    spec: dict | None
    source: str

    @property
    def manual(self) -> bool:
        return self.spec is None


class Course:
    """A course folder and its nbgrader settings."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        config_file = self.root / "nbgrader_config.py"
        if not config_file.is_file():
            raise CourseError(f"no nbgrader_config.py in {self.root}: run from the course root "
                              "(the folder with nbgrader_config.py) or pass --course")
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader(config_file.name, path=str(self.root)).load_config()
        self.config = config
        self.coursedir = CourseDirectory(config=config)
        self.coursedir.root = str(self.root)
        # nbgrader's Gradebook runs `alembic` from PATH, also in this process
        bindir = str(Path(sys.executable).parent)
        if bindir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
        if self.db_url.startswith("sqlite:///"):
            Path(self.db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    def folder(self, kind: str, assignment: str = ".", student: str = ".") -> Path:
        """A course folder: kind is source | release | submitted | autograded | feedback."""
        directory = getattr(self.coursedir, f"{kind}_directory")
        return Path(os.path.normpath(self.coursedir.format_path(directory, student, assignment)))

    def assignments(self) -> list[str]:
        """Assignments with a source folder, in name order."""
        return sorted(p.name for p in self.folder("source").iterdir() if p.is_dir() and not p.name.startswith("."))

    def notebooks(self, assignment: str) -> list[Path]:
        return sorted(self.folder("source", assignment).glob("*.ipynb"))

    def submitted(self, assignment: str, patterns=("*",)) -> list[str]:
        """Students with a submission of ``assignment`` whose id matches one of the glob ``patterns``."""
        base = self.folder("submitted")
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir()
                      if (p / assignment).is_dir() and any(fnmatch(p.name, pat) for pat in patterns))

    def grade_cells(self, assignment: str) -> list[GradeCell]:
        """Every graded cell of the assignment's source notebooks, in notebook order."""
        cells = []
        for path in self.notebooks(assignment):
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("grade"):
                    spec = cell.metadata.get("newslit")
                    cells.append(GradeCell(assignment, path.stem, meta["grade_id"], float(meta["points"]),
                                           cell.cell_type, dict(spec) if spec and "kind" in spec else None,
                                           cell.source))
        return cells

    @property
    def key_root(self) -> Path | None:
        """The folder whose data/key/ holds the keys: the grader's ``ScoreItems.key_root`` (a copied course
        names the repository), else this course, else (None) the repository the package runs from."""
        for folder in (self.config.get("ScoreItems", {}).get("key_root"), self.root):
            if folder and (Path(folder) / "data" / "key").is_dir():
                return Path(folder)
        return None

    def key(self, cell: GradeCell) -> dict:
        """The key of an autograded item, from data/key/ under ``key_root``."""
        return assign.key_entry(cell.spec, root=self.data_root(cell.spec))

    def data_root(self, spec: dict):
        """Where an item's tables and key are: its article pack (under this course or the key root), or the key root."""
        return data.item_root(spec, self.key_root, self.root)


def repo_root() -> Path:
    """The course repository (solutions/, data/key/): where the demo class and answer key come from."""
    return data.key_dir().parent.parent


# ---------------------------------------------------------------- running nbgrader

def _env() -> dict:
    bindir = str(Path(sys.executable).parent)  # nbgrader runs alembic from PATH
    return {**os.environ, "PYTHONWARNINGS": "ignore", "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}


def nbgrader(course: Course, *args: str, log: Path | None = None) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course folder (output kept in ``log``)."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course.root, env=_env(),
                          capture_output=True, text=True)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    return proc


class Progress:
    """One status line, rewritten in place on a terminal, one line per step otherwise."""

    def __init__(self, label: str, total: int, stream=None, quiet: bool = False):
        self.label, self.total, self.done, self.current = label, total, 0, {}
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()
        self.lock = threading.Lock()

    def update(self, worker: int, student: str | None, finished: int = 0):
        with self.lock:
            self.done += finished
            if student is None:
                self.current.pop(worker, None)
            else:
                self.current[worker] = student
            self._show()

    def _show(self):
        if self.quiet:
            return
        now = ", ".join(f"w{w + 1}: {s}" for w, s in sorted(self.current.items()))
        line = (f"{self.label}: {self.done}/{self.total} done, {time.monotonic() - self.started:4.1f} s"
                + (f"  [{now}]" if now else ""))
        if self.tty:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.tty and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class StepResult:
    """What one parallel nbgrader step did, per student."""

    step: str
    assignment: str
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retried: list[str] = field(default_factory=list)
    seconds: float = 0.0


def split(students: list[str], workers: int) -> list[list[str]]:
    """Students dealt round-robin into at most ``workers`` non-empty groups."""
    workers = max(1, min(workers, len(students)))
    return [students[i::workers] for i in range(workers)]


def _student_of(line: str, assignment: str) -> str | None:
    m = re.search(r"[/\\]([^/\\]+)[/\\]" + re.escape(assignment) + r"[/\\][^/\\]+\.(?:ipynb|html)", line)
    return m.group(1) if m else None


def _run_groups(course: Course, step: str, assignment: str, groups: list[list[str]], everyone: list[str],
                extra: tuple, progress: Progress, logdir: Path, tag: str) -> tuple[set, set]:
    """Run ``nbgrader <step>`` once per group at the same time (logs in ``logdir``); returns (failed, skipped)."""
    marker = {"autograde": "Sanitizing ", "generate_feedback": "Converting notebook "}[step]
    failed, skipped, threads = set(), set(), []
    error = re.compile(r"error processing assignment '([^']*)' for student '([^']*)'")

    def watch(worker: int, proc: subprocess.Popen, log: Path, group: set):
        current = None
        with open(log, "w", encoding="utf-8") as fh:
            for line in proc.stdout:
                fh.write(line)
                m = error.search(line)
                if m and m.group(1) == assignment:
                    failed.add(m.group(2))
                if "Skipping existing assignment: " in line:
                    who = Path(line.split("Skipping existing assignment: ", 1)[1].strip()).parent.name
                    if who in group:
                        skipped.add(who)
                        progress.update(worker, current, 1)
                if marker in line:
                    who = _student_of(line, assignment)
                    if who in group and who != current:
                        progress.update(worker, who, 1 if current else 0)
                        current = who
        proc.wait()
        progress.update(worker, None, 1 if current else 0)

    procs = []
    for i, group in enumerate(groups):
        others = sorted(set(everyone) - set(group))
        args = [step, assignment, *extra]
        if others:
            args.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
        log = logdir / f"{step}-{assignment}-{tag}{i + 1}.log"
        proc = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=course.root, env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        procs.append(proc)
        t = threading.Thread(target=watch, args=(i, proc, log, set(group)), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    for proc, group in zip(procs, groups, strict=True):
        if proc.returncode not in (0, 1):  # 1: nbgrader reports per-student errors, logged above
            failed.update(group)
    return failed, skipped


def run_step(course: Course, step: str, assignment: str, students: list[str], workers: int = 2,
             force: bool = False, quiet: bool = False) -> StepResult:
    """``nbgrader autograde`` or ``generate_feedback`` for ``students``, split over ``workers`` processes."""
    result = StepResult(step, assignment)
    if not students:
        return result
    everyone = course.submitted(assignment) if step == "autograde" else autograded(course, assignment)
    everyone = sorted(set(everyone) | set(students))
    out_kind = "autograded" if step == "autograde" else "feedback"
    logdir = course.root / "grading" / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    extra = ("--force",) if force else ()
    label = {"autograde": "autograde", "generate_feedback": "feedback"}[step] + f" {assignment}"
    start = time.monotonic()
    progress = Progress(label, len(students), quiet=quiet)
    failed, skipped = _run_groups(course, step, assignment, split(students, workers), everyone, extra,
                                        progress, logdir, "w")
    failed |= {s for s in students if not _output_ok(course, out_kind, assignment, s)}
    if failed:  # one retry, all in one process
        result.retried = sorted(failed)
        progress.label, progress.done = label + " (retry)", len(students) - len(failed)
        again, _ = _run_groups(course, step, assignment, [sorted(failed)], everyone, ("--force",), progress,
                               logdir, "retry")
        failed = {s for s in failed if s in again or not _output_ok(course, out_kind, assignment, s)}
    progress.close()
    result.failed = sorted(failed)
    result.skipped = sorted(set(skipped) - failed)
    result.done = [s for s in students if s not in failed and s not in skipped]
    result.seconds = time.monotonic() - start
    return result


def autograded(course: Course, assignment: str) -> list[str]:
    """Students with an autograded copy of ``assignment`` (a failed autograde leaves none)."""
    base = course.folder("autograded")
    return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir()) if base.is_dir() else []


def _output_ok(course: Course, kind: str, assignment: str, student: str) -> bool:
    folder = course.folder(kind, assignment, student)
    ext = "ipynb" if kind == "autograded" else "html"
    names = {p.stem for p in course.notebooks(assignment)}
    submitted = {p.stem for p in course.folder("submitted", assignment, student).glob("*.ipynb")}
    return all((folder / f"{n}.{ext}").is_file() for n in names & submitted) and folder.is_dir()


def ensure_in_gradebook(course: Course, assignment: str) -> bool:
    """Register the assignment's cells in the gradebook if missing (returns True when it had to).

    ``generate_assignment`` is what records the graded cells; its release output goes to
    grading/.release so that grading never rewrites the course's released notebooks.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url) as gb:
        try:
            if gb.find_assignment(assignment).notebooks:
                return False
        except MissingEntry:
            pass
    proc = nbgrader(course, "generate_assignment", assignment, "--force",
                    "--CourseDirectory.release_directory=grading/.release",
                    log=course.root / "grading" / "logs" / f"generate-{assignment}.log")
    if proc.returncode != 0:
        raise CourseError(f"nbgrader generate_assignment {assignment} failed:\n{proc.stdout}{proc.stderr}")
    return True


# Text that must never reach a student: the hidden-test markers of nbgrader and of this course's old tests.
LEAK_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "_grade(")
MIN_CHUNK = 30  # key prose is searched for sentence by sentence; shorter pieces are too common to mean a leak


def _normal(text: str) -> str:
    return " ".join(html.unescape(text).split())


def _chunks(text: str) -> set[str]:
    """The sentences of a piece of key prose (and the whole of it), whitespace normalised."""
    text = _normal(text)
    parts = {p for p in re.split(r"(?<=[.!?;:])\s+", text) if len(p) >= MIN_CHUNK}
    return parts | ({text} if len(text) >= MIN_CHUNK else set())


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _strings(v)


def key_folders(course: Course) -> list[Path]:
    """Every answer key the grader holds: the course's data/key/ and each article pack's key/ (any of them
    in a student's feedback is a leak, whichever exercise it belongs to)."""
    roots = [r for r in dict.fromkeys([course.key_root, course.root]) if r]
    found = [Path(r) / "data" / "key" for r in roots] + [p / "key" for r in roots for p in sorted(Path(r).glob("packs/*"))
                                                          if data.is_pack(p)]
    return list(dict.fromkeys(f.resolve() for f in found if f.is_dir()))


def _data_root(course: Course, assignment: str):
    """Where the assignment's article and key are: its pack (named in its items' metadata) or the course's."""
    specs = [c.spec for c in course.grade_cells(assignment) if not c.manual]
    return course.data_root(specs[0]) if specs else course.key_root


def _public(course: Course, assignment: str) -> str:
    """Text every student has anyway: the released notebooks, the article and the public tables."""
    texts = [cell.source for p in course.folder("release", assignment).glob("*.ipynb")
             for cell in nbformat.read(p, as_version=4).cells]
    folder = data.data_dir(_data_root(course, assignment))
    texts += [p.read_text(encoding="utf-8") for p in folder.glob("*") if p.suffix in (".txt", ".csv")]
    return _normal("\n".join(texts))


def key_text(course: Course, assignment: str) -> dict[str, set[str]]:
    """What must not reach a student, each with the grade ids whose own feedback may show it.

    Key prose: every sentence of every field of every row of every key the grader holds (data/key/*.csv and
    each pack's key/: explanations, problems,
    the why of each answer), owned by the items whose key holds it; text the released notebook or the
    public data already show (an article quote) is not key text. Each item's key literal (its key
    values: labels and options are words every student sees, so only the whole literal is sought) and
    the hidden-test markers may be shown nowhere."""
    chunks, own, literals = set(), {}, set()
    for cell in course.grade_cells(assignment):
        if not cell.manual:
            key = course.key(cell)
            literals.add(_normal(json.dumps(key, ensure_ascii=False)))
            own[cell.grade_id] = " | ".join(_normal(t) for t in _strings(key))
    for path in sorted(p for folder in key_folders(course) for p in folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                chunks.update(*map(_chunks, row))
    public = _public(course, assignment)
    owners = {c: {gid for gid, text in own.items() if c in text} for c in chunks if c not in public}
    owners.update({c: set() for c in [*LEAK_MARKERS, *literals]})
    return owners


def _own_feedback(course: Course, assignment: str, student: str, notebook: str) -> dict[str, list[str]]:
    """{grade id: normalised output texts} of the grade cells in the autograded notebook a feedback file shows."""
    path = course.folder("autograded", assignment, student) / f"{notebook}.ipynb"
    if not path.is_file():
        return {}
    out = {}
    for cell in nbformat.read(path, as_version=4).cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid and cell.cell_type == "code":
            out[gid] = [_normal(t) for o in cell.get("outputs", []) for t in _strings(
                [o.get("text", ""), *(o.get("data", {}).get(m, "") for m in ("text/plain", "text/html", "text/markdown"))])]
    return out


def feedback_files(course: Course, assignment: str) -> list[Path]:
    """Every file in every student's feedback folder of ``assignment``."""
    base = course.folder("feedback")
    return sorted(p for p in base.glob(f"*/{glob.escape(assignment)}/**/*") if p.is_file()) if base.is_dir() else []


def withhold_extra_files(course: Course, assignment: str) -> list[Path]:
    """Delete every feedback file that is not nbgrader's HTML of one of the assignment's notebooks.

    nbgrader's generate_feedback copies every other file of the autograded folder (student uploads,
    anything written there while grading) into the feedback folder; only the feedback HTML is for students."""
    names = {f"{p.stem}.html" for p in course.notebooks(assignment)}
    extra = [p for p in feedback_files(course, assignment)
             if not (p.name in names and p.parent.name == assignment)]
    for path in extra:
        path.unlink()
    for folder in sorted({p.parent for p in extra}, key=lambda f: -len(f.parts)):
        if folder.name != assignment and not any(folder.iterdir()):
            folder.rmdir()
    return extra


def feedback_leaks(course: Course, assignment: str) -> dict[str, list[str]]:
    """Feedback files that show key text outside the student's own feedback for that item: {path: what}.

    Every file is scanned, not only HTML. A piece of an item's explanation may appear as often as the
    outputs of that item's own grade cell show it (the student's feedback for their own item); anything
    else (another item's prose, a key literal, a data/key row, a hidden-test marker) is a leak."""
    owners = key_text(course, assignment)
    leaks = {}
    for path in feedback_files(course, assignment):
        text = _normal(path.read_text(encoding="utf-8", errors="replace"))
        own = _own_feedback(course, assignment, path.parent.parent.name, path.stem) if path.suffix == ".html" else {}
        found = []
        for chunk, items in owners.items():
            shown = text.count(chunk)
            if shown and shown > sum(t.count(chunk) for gid in items for t in own.get(gid, ())):
                found.append(chunk if len(chunk) <= 60 else chunk[:57] + "...")
        if found:
            leaks[str(path)] = found
    return leaks


def withhold_leaks(course: Course, assignment: str) -> list[str]:
    """Delete feedback files that show key text (they must never be released); returns their paths."""
    leaks = list(feedback_leaks(course, assignment))
    for path in leaks:
        Path(path).unlink()
    return leaks


def drop_feedback(course: Course, assignment: str, students: list[str]) -> list[str]:
    """Remove the feedback of ``students`` (waiting for manual grading, or failed): an earlier file would
    show scores that no longer hold. Returns ``students`` sorted."""
    import shutil

    for s in students:
        shutil.rmtree(course.folder("feedback", assignment, s), ignore_errors=True)
    return sorted(students)


def manual_pending(course: Course, assignment: str) -> list[str]:
    """Autograded students whose submission still has cells waiting for manual grading."""
    from nbgrader.api import Gradebook

    graded = set(autograded(course, assignment))
    with Gradebook(course.db_url) as gb:
        return sorted(sub.student.id for sub in gb.assignment_submissions(assignment)
                      if sub.needs_manual_grade and sub.student.id in graded)


STATUSES = ("graded", "needs manual grading", "failed", "missing")


def statuses(course: Course, assignment: str) -> dict[str, str]:
    """Every student on the roster or with a submission: graded | needs manual grading | failed | missing.

    *failed*: submitted, but autograding left no graded copy; *missing*: on the roster, nothing submitted.
    """
    from nbgrader.api import Gradebook, MissingEntry

    graded, submitted = set(autograded(course, assignment)), set(course.submitted(assignment))
    with Gradebook(course.db_url) as gb:
        everyone = {s.id for s in gb.students} | submitted | graded
        try:
            pending = {sub.student.id for sub in gb.assignment_submissions(assignment) if sub.needs_manual_grade}
        except MissingEntry:  # the assignment is not in the gradebook yet: nothing graded
            pending = set()
    return {s: "missing" if s not in submitted and s not in graded else "failed" if s not in graded
            else "needs manual grading" if s in pending else "graded" for s in sorted(everyone)}


def export_totals(course: Course, path: Path) -> Path:
    """nbgrader's own CSV export (one row per student and assignment: totals), run in this process, with
    a ``status`` column (graded, needs manual grading, failed, missing) so a 0 is never ambiguous."""
    import csv

    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    path.parent.mkdir(parents=True, exist_ok=True)
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        CsvExportPlugin(config=course.config, to=str(path)).export(gb)
    if not path.is_file():
        raise CourseError(f"nbgrader's CSV export wrote no {path}")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    known = {a: statuses(course, a) for a in {r["assignment"] for r in rows}}
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, [*(rows[0] if rows else ["assignment", "student_id"]), "status"])
        out.writeheader()
        for r in rows:
            out.writerow({**r, "status": known[r["assignment"]].get(r["student_id"], "missing")})
    return path

