"""The course and an LMS (Canvas, Moodle): roster in, submission zips in, grades and feedback out.

- ``read_roster`` / ``import_roster``: the students of an LMS gradebook export into nbgrader's
  gradebook (id, names, email); the LMS's identifier columns are kept in ``grading/lms/roster.json``
  for the grade export.
- ``collect_zip``: an LMS's "download all submissions" zip into nbgrader's submitted folder; the
  newest of several files per student wins, a file is rewritten only when its content changed, and
  what the file name says (Canvas's ``LATE``, the name prefix each LMS needs to take feedback back)
  is kept in ``grading/lms/<assignment>.json``.
- ``students``: one row per student and assignment (roster and submissions), the table behind the
  report's student table and the LMS files.
- ``write_grades``: gradebook CSVs in the shape Canvas's and Moodle's imports take;
  ``feedback_archive``: a zip of feedback files named the way each LMS's bulk feedback upload expects.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from newslit.classroom import Course, CourseError, statuses

CANVAS_IDS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
MOODLE_IDS = ("First name", "Last name", "Surname", "ID number", "Username", "Email address")
CANVAS_REQUIRED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
# Canvas: name_[LATE_]userid_attachmentid_file; Moodle: Full Name_participantid_assignsubmission_file_[/]file
CANVAS_FILE = re.compile(r"^(?P<prefix>(?P<name>[^_/]+)_(?:(?P<late>LATE)_)?(?P<user>\d+)_\d+_)(?P<file>[^/]+)$")
MOODLE_FILE = re.compile(r"^(?P<prefix>(?P<name>[^/]+?)_(?P<user>\d+)_assignsubmission_file_?)/?(?P<file>[^/]+)$")


@dataclass
class Student:
    """One roster row: the nbgrader id, names, email and the LMS's own identifier columns."""

    id: str
    first_name: str
    last_name: str
    email: str
    lms_user_id: str
    columns: dict


def _lms_dir(course: Course) -> Path:
    path = course.root / "grading" / "lms"
    path.mkdir(parents=True, exist_ok=True)
    return path


def which_lms(header) -> str:
    """'canvas' or 'moodle' from an export's header row."""
    if {"Student", "ID"} <= set(header):
        return "canvas"
    if {"First name", "Email address"} <= set(header):
        return "moodle"
    raise CourseError("not a Canvas gradebook export (columns Student, ID, SIS User ID, SIS Login ID, Section) "
                      "nor a Moodle grades or participants export (First name, Last name, ID number, Email address)")


def read_roster(path: Path, id_column: str | None = None) -> tuple[str, list[Student], list[str], str]:
    """(lms, students, the export's assignment columns, the id column) from a Canvas or Moodle CSV export.

    The nbgrader id is ``id_column`` if given; by default Canvas's SIS Login ID (the login, as on
    JupyterHub) when every student has one, else Canvas's user ID; Moodle's ID number when every student
    has one, else the email address.
    """
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise CourseError(f"{path}: no students")
    header = list(rows[0])
    lms = which_lms(header)
    if lms == "canvas":
        rows = [r for r in rows if r["Student"].strip() not in ("Points Possible", "Test Student", "Student, Test")
                and r.get("ID", "").strip()]
    ids = CANVAS_IDS if lms == "canvas" else MOODLE_IDS
    if id_column is None:
        first, other = ("SIS Login ID", "ID") if lms == "canvas" else ("ID number", "Email address")
        id_column = first if all(r.get(first, "").strip() for r in rows) else other
    if id_column not in header:
        raise CourseError(f"{path}: no column {id_column!r}; columns: {', '.join(header)}")
    students = []
    for r in rows:
        if lms == "canvas":
            name = r["Student"].strip()
            last, first = [p.strip() for p in name.split(",", 1)] if "," in name else (name.rsplit(" ", 1)[-1],
                                                                                       name.rsplit(" ", 1)[0])
            email, user = r.get("Email", ""), r["ID"].strip()
        else:
            first, last = r["First name"].strip(), (r.get("Last name") or r.get("Surname") or "").strip()
            email, user = r["Email address"].strip(), r.get("ID number", "").strip()
        sid = r[id_column].strip()
        if not sid:
            raise CourseError(f"{path}: {first} {last} has no {id_column}")
        students.append(Student(sid, first, last, email, user, {c: r[c] for c in ids if c in r}))
    if len({s.id for s in students}) < len(students):
        raise CourseError(f"{path}: {id_column} is not unique; choose another with --id-column")
    extra = [c for c in header if c not in ids and c not in ("Email", "Institution", "Department")]
    return lms, students, extra, id_column


def import_roster(course: Course, path: Path, id_column: str | None = None) -> tuple[str, list[Student], list[str], str]:
    """Put the roster's students into the gradebook (added or updated); returns (lms, students, new ids, id column)."""
    from nbgrader.api import Gradebook

    lms, people, columns, id_column = read_roster(path, id_column)
    with Gradebook(course.db_url) as gb:
        known = {s.id for s in gb.students}
        for p in people:
            gb.update_or_create_student(p.id, first_name=p.first_name, last_name=p.last_name,
                                        email=p.email or None, lms_user_id=p.lms_user_id or None)
    roster = {"lms": lms, "assignment_columns": columns,
              "students": {p.id: {"first_name": p.first_name, "last_name": p.last_name, "email": p.email,
                                  "lms_user_id": p.lms_user_id, "columns": p.columns} for p in people}}
    (_lms_dir(course) / "roster.json").write_text(json.dumps(roster, indent=1), encoding="utf-8")
    return lms, people, sorted({p.id for p in people} - known), id_column


def roster(course: Course) -> dict:
    path = course.root / "grading" / "lms" / "roster.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"lms": None, "students": {}}


def submission_info(course: Course, assignment: str) -> dict:
    """{student: {lms, file, prefix, late}} recorded by ``collect_zip``."""
    path = course.root / "grading" / "lms" / f"{assignment}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


@dataclass
class Collected:
    """What ``collect_zip`` did."""

    new: list[str]
    replaced: list[str]
    unchanged: list[str]
    messages: list[str]


def collect_zip(course: Course, assignment: str, archive: Path, lms: str | None = None) -> Collected:
    """An LMS's submissions zip into grading/submitted/<student>/<assignment>/ (see the module docstring)."""
    names = {p.stem for p in course.notebooks(assignment)}
    if not names:
        raise CourseError(f"unknown assignment {assignment}")
    people = roster(course)
    by_user = {v["lms_user_id"]: k for k, v in people["students"].items() if v.get("lms_user_id")}
    by_name = {f"{v['first_name']} {v['last_name']}".casefold(): k for k, v in people["students"].items()}
    found: dict[tuple[str, str], tuple[int, str, dict]] = {}
    messages = []
    with zipfile.ZipFile(archive) as zf:
        for entry in zf.namelist():
            if entry.endswith("/"):
                continue
            m = None
            for kind, pattern in (("canvas", CANVAS_FILE), ("moodle", MOODLE_FILE)):
                if lms in (None, kind) and (m := pattern.match(entry.rsplit("/", 2)[-1] if kind == "canvas"
                                                                 else "/".join(entry.split("/")[-2:]))):
                    break
            if not m:
                messages.append(f"skipped {entry}: not named as Canvas or Moodle name submission files")
                continue
            stem, _, ext = m["file"].rpartition(".")
            base, number = (re.match(r"^(.*?)(?:-(\d+))?$", stem).groups())
            if ext != "ipynb" or base not in names:
                messages.append(f"skipped {entry}: not a notebook of {assignment} ({', '.join(sorted(names))}.ipynb)")
                continue
            if kind == "canvas":
                student = by_user.get(m["user"], m["user"])
            else:
                student = by_name.get(m["name"].casefold())
                if student is None:
                    messages.append(f"skipped {entry}: {m['name']} is not on the roster (`newslit roster import`)")
                    continue
            prefix = m["prefix"] if kind == "canvas" else m["prefix"].rstrip("/_") + "_"  # Moodle: name_id_type_plugin_
            info = {"lms": kind, "file": m["file"], "prefix": prefix, "late": bool(m["late"]) if kind == "canvas"
                    else None, "lms_user_id": m["user"]}
            key, rank = (student, base), int(number or 0)
            if key in found:
                older = min(found[key][0], rank)
                messages.append(f"{student}: two files for {base}.ipynb; the newest (-{max(found[key][0], rank)}) "
                                f"wins over {'the original' if older == 0 else f'-{older}'}")
                if found[key][0] > rank:
                    continue
            found[key] = (rank, entry, info)
        recorded = submission_info(course, assignment)
        result = Collected([], [], [], messages)
        for (student, base), (_, entry, info) in sorted(found.items()):
            dest = course.folder("submitted", assignment, student) / f"{base}.ipynb"
            data = zf.read(entry)
            if dest.is_file() and dest.read_bytes() == data:
                result.unchanged.append(student)
            else:
                (result.replaced if dest.is_file() else result.new).append(student)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
            recorded[student] = info
    (_lms_dir(course) / f"{assignment}.json").write_text(json.dumps(recorded, indent=1, sort_keys=True),
                                                         encoding="utf-8")
    return result


def students(course: Course, assignment: str) -> pd.DataFrame:
    """One row per student on the roster or with a submission: names, status, score (after any late
    penalty; blank unless graded), maximum, late, and the LMS's late flag."""
    from nbgrader.api import Gradebook, MissingEntry

    state = statuses(course, assignment)
    lms_files = submission_info(course, assignment)
    rows = []
    with Gradebook(course.db_url) as gb:
        try:
            maximum = gb.find_assignment(assignment).max_score
        except MissingEntry:
            maximum = None
        for sid, status in state.items():
            try:
                person = gb.find_student(sid)
                first, last, email = person.first_name or "", person.last_name or "", person.email or ""
            except MissingEntry:
                first = last = email = ""
            score = penalty = None
            late = bool(lms_files.get(sid, {}).get("late"))
            try:
                sub = gb.find_submission(assignment, sid)
                late = late or sub.total_seconds_late > 0
                penalty = sub.late_submission_penalty or 0.0
                score = max(0.0, sub.score - penalty) if status == "graded" else None
            except MissingEntry:
                pass
            rows.append({"student_id": sid, "first_name": first, "last_name": last, "email": email,
                         "status": status, "score": score, "max_score": maximum, "late": late,
                         "late_penalty": penalty if late else None})
    return pd.DataFrame(rows, columns=["student_id", "first_name", "last_name", "email", "status", "score",
                                       "max_score", "late", "late_penalty"])


def _column(assignment: str, columns: list[str]) -> str:
    """The LMS's column for an assignment: an export column named after it ('ex1 (1234)'), else its name."""
    for c in columns:
        if c.split(" (")[0].strip().casefold() == assignment.casefold():
            return c
    return assignment


def write_grades(course: Course, assignments: list[str], out: Path) -> dict[str, Path]:
    """canvas-grades.csv, moodle-grades.csv and term-grades.csv (one row per student, a column per
    assignment; blank unless graded, with the status beside it in the Moodle and term files)."""
    out.mkdir(parents=True, exist_ok=True)
    people = roster(course)
    known = people["students"]
    columns = people.get("assignment_columns", [])
    tables = {a: students(course, a).set_index("student_id") for a in assignments}
    everyone = sorted(set(known) | {s for t in tables.values() for s in t.index})

    def ids(sid, names):
        cols = known.get(sid, {}).get("columns", {})
        return {n: cols.get(n, "") for n in names}

    canvas, moodle, term = [], [], []
    points = {"Student": "    Points Possible", **{c: "" for c in CANVAS_REQUIRED[1:]}}
    for a in assignments:
        maximum = tables[a]["max_score"].dropna()
        points[_column(a, columns)] = f"{maximum.iloc[0]:g}" if len(maximum) else ""
    canvas.append(points)
    for sid in everyone:
        person = known.get(sid, {})
        first, last = person.get("first_name", ""), person.get("last_name", "")
        c_row = {"Student": f"{last}, {first}" if last else sid, "ID": person.get("lms_user_id", ""),
                 **{k: v for k, v in ids(sid, CANVAS_REQUIRED[2:]).items()}}
        if people["lms"] == "canvas":
            c_row.update(ids(sid, ["Student", "ID"]))
        m_row = {"First name": first, "Last name": last, "ID number": ids(sid, ["ID number"])["ID number"],
                 "Email address": person.get("email", "")}
        t_row = {"student_id": sid, "first_name": first, "last_name": last, "email": person.get("email", "")}
        for a in assignments:
            row = tables[a].loc[sid] if sid in tables[a].index else None
            status = row["status"] if row is not None else "missing"
            score = "" if row is None or pd.isna(row["score"]) else f"{row['score']:g}"
            late = bool(row is not None and row["late"])
            c_row[_column(a, columns)] = score
            m_row[_column(a, columns)] = score
            m_row[f"{a} status"] = status + (", late" if late else "")
            t_row.update({a: score, f"{a} status": status, f"{a} late": "yes" if late else ""})
        canvas.append(c_row)
        moodle.append(m_row)
        term.append(t_row)
    paths = {"canvas": out / "canvas-grades.csv", "moodle": out / "moodle-grades.csv", "term": out / "term-grades.csv"}
    for kind, rows in (("canvas", canvas), ("moodle", moodle), ("term", term)):
        pd.DataFrame(rows).fillna("").to_csv(paths[kind], index=False)
    return paths


def feedback_archive(course: Course, assignment: str, out: Path) -> tuple[Path, list[str]]:
    """feedback-<assignment>.zip: each student's feedback named for the LMS's bulk upload (the prefix of the
    file they submitted + ``<notebook>-feedback.html``); students who did not come through an LMS zip go
    under ``by-student-id/``. Returns (path, students without an LMS name)."""
    out.mkdir(parents=True, exist_ok=True)
    info = submission_info(course, assignment)
    path, unnamed = out / f"feedback-{assignment}.zip", []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for html in sorted(course.folder("feedback").glob(f"*/{assignment}/*.html")):
            student = html.parent.parent.name
            if student in info:
                prefix = info[student]["prefix"]
                name = f"{prefix}{html.stem}-feedback.html"
            else:
                unnamed.append(student)
                name = f"by-student-id/{student}/{html.stem}-feedback.html"
            zf.write(html, name)
    return path, sorted(set(unnamed))
