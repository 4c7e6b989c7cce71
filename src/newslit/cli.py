"""newslit: an instructor's whole grading workflow, run from the course root (where nbgrader_config.py is).

    newslit grade              autograde every submission (in parallel), feedback without the key, exports
    newslit feedback           regenerate feedback (after manual grading in formgrader) and check it
    newslit export             totals CSV (nbgrader), per-item CSV, item analysis CSVs and HTML page
    newslit demo               a sample class from student personas, graded end to end
    newslit keys               check: every item's key builds from data/key/, no notebook holds one
    newslit guide [--check]    write (or check) docs/answer-key.md from data/key/ and solutions/
    newslit bundle             the zip to hand to students: wheel, lessons, released exercises (no key)
    newslit roster import CSV  students from a Canvas or Moodle export into the gradebook
    newslit collect            new and newer submissions: from the exchange, or from an LMS zip (--zip)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

EPILOG = """\
Typical use after the deadline, in the course root (the folder with nbgrader_config.py); with the
virtual environment active (source .venv/bin/activate), or write .venv/bin/newslit and .venv/bin/nbgrader:
  newslit roster import roster.csv   once per term: students from the Canvas/Moodle gradebook export
  newslit collect ex1                (JupyterHub exchange, newer submissions too)
  newslit collect ex1 --zip submissions.zip   (an LMS's "download all submissions")
  newslit grade ex1                  grade everyone, write feedback and exports; says what needs a human
  ... grade the written answers in formgrader ...
  newslit feedback ex1 && newslit export
  nbgrader release_feedback ex1      (exchange)  or upload grading/exports/feedback-ex1.zip to the LMS
Exports and reports contain the answer key: never share them with students.
See docs/instructor-guide.md.
"""

CLEARED = ("manual scores cleared because the answer changed since it was graded (or the score was set "
           "outside newslit and formgrader, so the answer it belongs to is unknown): ")


def _course(args):
    from newslit.classroom import Course

    return Course(args.course)


def _assignments(course, names) -> list[str]:
    from newslit.classroom import CourseError

    known = course.assignments()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CourseError(f"unknown assignment(s) {', '.join(unknown)}; the course has {', '.join(known)}")
    return names or [a for a in known if course.submitted(a)]


def _out(course, args) -> Path:
    return Path(args.out).resolve() if args.out else course.root / "grading" / "exports"


def grade_course(course, assignments, students=("*",), workers=2, force=False, feedback=True, out=None,
                 quiet=False, stream=None) -> int:
    """Autograde, feedback, leak check, exports and a summary; returns the exit status."""
    from newslit import classroom, late, regrade

    stream = stream or sys.stdout
    status, rows = 0, []
    from newslit import sandbox

    unsafe = sandbox.not_sandboxed(course.config)
    if unsafe:
        print(f"warning: student kernels are NOT sandboxed while grading: {unsafe}. Then {sandbox.UNPROTECTED}.",
              file=sys.stderr)
    if (course.root / "data" / "key").is_dir():
        from newslit import assign

        leaked = assign.leaked(course.root)
        if leaked:
            print(f"warning: these cells of solutions/ hold an answer key: {', '.join(leaked)}; remove it "
                  "(the grader reads data/key/)", file=sys.stderr)
    for a in assignments:
        chosen = course.submitted(a, students)
        if not chosen:
            print(f"{a}: no submissions match {' '.join(students)}", file=stream)
            continue
        for message in regrade.take_renamed(course, a, chosen):
            print(message, file=stream)
        classroom.ensure_in_gradebook(course, a)
        late.set_due_dates(course)
        regrade.settle(course, a)  # record which answer each manual score was given to
        before = set(classroom.autograded(course, a))
        replaced = [] if force else regrade.changed_submissions(course, a, chosen)
        for s in replaced:  # no newer timestamp (zip route): nbgrader would skip them
            shutil.rmtree(course.folder("autograded", a, s))
        graded = classroom.run_step(course, "autograde", a, chosen, workers, force, quiet)
        regrade.record_submitted(course, a, [s for s in chosen if s not in graded.failed])
        settled = regrade.settle(course, a)
        late.reapply(course, a)
        line = {"assignment": a, "submitted": len(chosen), "graded": len(graded.done),
                "regraded": sorted(set(graded.done) & (before | set(replaced))),
                "already graded": len(graded.skipped), "failed": graded.failed, "retried": graded.retried,
                "autograde s": round(graded.seconds, 1), "kept": settled.kept, "cleared": settled.cleared}
        if graded.failed:
            status = 1
        pending = classroom.manual_pending(course, a)
        if feedback:
            ok = [s for s in chosen if s not in graded.failed and s not in pending]
            line["feedback withheld"] = classroom.drop_feedback(course, a, [*graded.failed, *pending])
            fb = classroom.run_step(course, "generate_feedback", a, ok, workers, True, quiet)
            extra = classroom.withhold_extra_files(course, a)
            leaks = classroom.withhold_leaks(course, a)
            if fb.failed:
                status = max(status, 1)
            if leaks:
                status = 2
                print(f"ERROR: {len(leaks)} feedback file(s) showed the answer key (a key literal, another item's "
                      "explanation or a data/key row) and were deleted: " + ", ".join(leaks), file=sys.stderr)
            line.update({"feedback": len(fb.done) + len(fb.skipped) - len(leaks), "feedback failed": fb.failed,
                         "withheld files": len(extra)})
        line["manual grading"] = pending
        rows.append(line)
    paths = export_all(course, [r["assignment"] for r in rows], out or course.root / "grading" / "exports")
    print_summary(rows, paths, course, stream)
    return status


def export_all(course, assignments, out: Path) -> dict:
    from newslit import classroom, lms, report

    paths = {"totals": classroom.export_totals(course, out / "grades.csv")}
    paths["lms"] = lms.write_grades(course, assignments, out)
    for a in assignments:
        paths[a] = report.write(course, a, out)
        paths[a]["feedback zip"], _ = lms.feedback_archive(course, a, out)
    return paths


def print_summary(rows, paths, course, stream):
    print("\nSummary", file=stream)
    for r in rows:
        failed = f", FAILED: {', '.join(r['failed'])} (see grading/logs/)" if r["failed"] else ", 0 failed"
        if r["retried"]:
            failed += f" ({len(r['retried'])} retried once)"
        manual = r["manual grading"]
        print(f"  {r['assignment']}: {r['submitted']} submitted, {r['graded']} graded now, "
              f"{r['already graded']} already graded{failed}; {len(manual)} need manual grading"
              + (f" ({', '.join(manual[:8])}{', ...' if len(manual) > 8 else ''})" if manual else "")
              + f"; autograde {r['autograde s']} s", file=stream)
        if r["regraded"]:
            print(f"      regraded (resubmitted, replaced or --force): {', '.join(r['regraded'])}", file=stream)
        if r["kept"]:
            print(f"      manual scores kept, answer unchanged: {_cells(r['kept'])}", file=stream)
        if r["cleared"]:
            print("      NEEDS A HUMAN: " + CLEARED
                  + ", ".join(f"{s} {c} (was {v:g})" for s, c, v in r["cleared"])
                  + " -- grade again in formgrader, then `newslit feedback && newslit export`", file=stream)
        if "feedback" in r:
            print(f"      feedback: {r['feedback']} file(s) in {course.folder('feedback')}, checked free of key text"
                  + (f"; {r['withheld files']} other file(s) removed from feedback (copies of released files such as article/, and anything a student's code wrote: only feedback HTML is released)"
                     if r["withheld files"] else "")
                  + (f"; failed: {', '.join(r['feedback failed'])}" if r["feedback failed"] else ""), file=stream)
            if r["feedback withheld"]:
                print(f"      no feedback (yet) for {', '.join(r['feedback withheld'])}: it is written once every "
                      "answer is graded (`newslit feedback` after formgrader)", file=stream)
    print(f"  totals (nbgrader export): {paths['totals']}", file=stream)
    print(f"  LMS gradebook imports: {paths['lms']['canvas'].name} (Canvas), {paths['lms']['moodle'].name} (Moodle), "
          f"{paths['lms']['term'].name} (every exercise with its status)", file=stream)
    for a, p in paths.items():
        if a not in ("totals", "lms"):
            confs = ", ".join(v.name for k, v in p.items() if k.startswith("confusion:"))
            print(f"  {a}: per-item {p['items'].name}, item analysis {p['analysis'].name}, misconceptions "
                  f"{p['misconceptions'].name}" + (f", confusion {confs}" if confs else "")
                  + f"\n      report: {p['html']}\n      feedback for the LMS: {p['feedback zip']}", file=stream)
    print("  Exports, reports and feedback archives contain the answer key: keep them from students.", file=stream)


def _cells(pairs) -> str:
    return ", ".join(f"{s} {c}" for s, c in pairs)


def cmd_grade(args) -> int:
    course = _course(args)
    return grade_course(course, _assignments(course, args.assignment), args.student or ["*"], args.workers,
                        args.force, not args.no_feedback, _out(course, args), args.quiet)


def _settle(course, assignment):
    """Manual scores against the answers on file (see newslit.regrade), late penalties from current scores."""
    from newslit import late, regrade

    settled = regrade.settle(course, assignment)
    late.reapply(course, assignment)
    if settled.cleared:
        print(f"{assignment}: NEEDS A HUMAN: " + CLEARED
              + ", ".join(f"{s} {c} (was {v:g})" for s, c, v in settled.cleared), file=sys.stderr)


def cmd_feedback(args) -> int:
    from newslit import classroom

    course = _course(args)
    status = 0
    for a in _assignments(course, args.assignment):
        _settle(course, a)
        pending = classroom.manual_pending(course, a)
        chosen = course.submitted(a, args.student or ["*"])
        students = [s for s in classroom.autograded(course, a) if s in chosen and s not in pending]
        withheld = classroom.drop_feedback(course, a, [s for s in chosen if s not in students])
        fb = classroom.run_step(course, "generate_feedback", a, students, args.workers, True, args.quiet)
        extra = classroom.withhold_extra_files(course, a)
        leaks = classroom.withhold_leaks(course, a)
        print(f"{a}: {len(fb.done)} feedback file(s) in {course.folder('feedback')}"
              + (f"; none for {', '.join(withheld)} (waiting for manual grading or failed)" if withheld else "")
              + (f"; failed: {', '.join(fb.failed)}" if fb.failed else "")
              + (f"; {len(extra)} other file(s) removed from feedback (copies of released files such as article/, and anything a student's code wrote: only feedback HTML is released)" if extra else "")
              + (f"; {len(leaks)} showed the answer key and were DELETED: {', '.join(leaks)}" if leaks
                 else "; no key text shown"))
        status = 2 if leaks else (1 if fb.failed else status)
    return status


def cmd_export(args) -> int:
    from newslit import classroom

    course = _course(args)
    names = _assignments(course, args.assignment or [a for a in course.assignments() if classroom.autograded(course, a)])
    for a in names:
        _settle(course, a)
    paths = export_all(course, names, _out(course, args))
    print(f"totals (nbgrader export): {paths.pop('totals')}")
    print("LMS gradebook imports: " + ", ".join(str(p) for p in paths.pop("lms").values()))
    for name, p in paths.items():
        print(f"{name}: {len(p) - 2} CSV files in {p['html'].parent}; report: {p['html']}; "
              f"feedback for the LMS: {p['feedback zip']}")
    print("Exports, reports and feedback archives contain the answer key: keep them from students.")
    return 0


def cmd_demo(args) -> int:
    from newslit import classroom, personas

    chosen = [personas.BY_NAME[n] for n in args.personas] if args.personas else list(personas.PERSONAS)
    dest = Path(args.dest).resolve() if args.dest else Path(tempfile.mkdtemp(prefix="newslit-demo-"))
    if (dest / "grading").exists():
        raise classroom.CourseError(f"{dest} already has a grading/ folder: choose an empty --dest")
    try:  # the course repository named by --course (default: here), else the one the package runs from
        repo = _course(args).key_root
    except classroom.CourseError:
        repo = None
    repo = repo or classroom.repo_root()
    course = personas.copy_course(repo, dest)
    if args.db_url:
        with open(dest / "nbgrader_config.py", "a", encoding="utf-8") as fh:
            fh.write(f"\n# newslit demo --db-url\nc.CourseDirectory.db_url = {args.db_url!r}\n")
        course = classroom.Course(dest)
    _assignments(course, args.assignment)  # unknown names are an error
    students = personas.make_class(course, chosen, args.copies, root=repo, assignments=args.assignment or None)
    print(f"Demo course: {dest}\n{len(students)} students from personas: "
          f"{', '.join(p.name for p in chosen)} (see docs/instructor-guide.md)")
    start = time.monotonic()
    status = grade_course(course, [a for a in course.assignments() if course.submitted(a)], ["*"], args.workers,
                          False, True, None, args.quiet)
    print(f"\nGraded in {time.monotonic() - start:.1f} s with {args.workers} worker(s). Open the report(s) above; "
          f"the graded notebooks are in {course.folder('autograded')}.\nTry formgrader there: "
          f"cd {dest} && {Path(sys.executable).parent / 'jupyter'} lab   (Nbgrader > Formgrader)")
    return status


def cmd_keys(args) -> int:
    from newslit import assign

    root = Path(args.course).resolve()
    leaked = assign.leaked(root)
    print("every autograded item has its key in data/key/ (or its article pack's key/) and no notebook cell holds one" if not leaked else
          "these cells hold an answer key (remove it: the grader reads data/key/): " + ", ".join(leaked))
    return 1 if leaked else 0


def cmd_pack(args) -> int:
    from newslit import classroom, packs

    folder = Path(args.folder)
    if args.action == "new":
        if not args.text:
            raise classroom.CourseError("newslit pack new needs --text FILE (the article, UTF-8)")
        name = args.name or folder.resolve().name
        pack = packs.new(folder, args.text, name, args.assignment or name, args.title)
        rows = packs.sentences((folder / "article.txt").read_text(encoding="utf-8"))
        print(f"started pack {pack.name!r} in {folder}: {len(rows)} sentences in sentences.csv; fill in the tables, key/ and exercises/{pack.assignments[0]}.md, "
              f"then: newslit pack build {folder}")
        return 0
    pack = packs.read(folder)
    counts = packs.check(pack)
    print(f"pack {pack.name!r} is valid: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if args.action == "check":
        return 0
    course = _course(args)
    for path in packs.write_sources(pack, course.root):
        print(f"wrote {path.relative_to(course.root)}")
    if args.no_release:
        return 0
    for assignment in pack.assignments:
        proc = classroom.nbgrader(course, "generate_assignment", assignment, "--force")
        if proc.returncode:
            raise classroom.CourseError(f"nbgrader generate_assignment {assignment} failed:\n{proc.stdout}{proc.stderr}")
        print(f"released {assignment} to {course.folder('release', assignment).relative_to(course.root)}/")
    return 0


def cmd_guide(args) -> int:
    from newslit import report

    course = _course(args)
    path = Path(args.out) if args.out else course.root / "docs" / "answer-key.md"
    text = report.answer_key(course)
    if args.check:
        same = path.is_file() and path.read_text(encoding="utf-8") == text
        print(f"{path} is up to date" if same else f"{path} is out of date: run `newslit guide`")
        return 0 if same else 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} (instructor only: never publish it)")
    return 0


def cmd_bundle(args) -> int:
    from newslit import bundle

    root = Path(args.course).resolve()
    if not (root / "pyproject.toml").is_file() or not (root / "exercises").is_dir():
        print(f"newslit bundle: {root} is not the course repository's root (no pyproject.toml and exercises/ "
              "here): run it in the folder with nbgrader_config.py, or pass --course that folder", file=sys.stderr)
        return 2
    try:
        path = bundle.build(Path(args.course), Path(args.dest) if args.dest else Path(args.course) / "dist")
    except bundle.BundleError as err:
        print(f"newslit bundle: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path}: give this file to students (it holds no answer key)")
    return 0


def cmd_roster(args) -> int:
    from newslit import lms

    course = _course(args)
    kind, people, new, column = lms.import_roster(course, Path(args.file), args.id_column)
    print(f"{len(people)} students from a {kind.capitalize()} export in the gradebook ({len(new)} new); "
          f"student ids from the column {column!r}: "
          + ", ".join(p.id for p in people[:5]) + (", ..." if len(people) > 5 else ""))
    return 0


def cmd_collect(args) -> int:
    from newslit import classroom, lms

    course = _course(args)
    names = _assignments(course, args.assignment) if args.assignment else course.assignments()
    if args.zip:
        if len(names) != 1:
            raise classroom.CourseError("--zip takes one assignment: newslit collect ex1 --zip FILE")
        got = lms.collect_zip(course, names[0], Path(args.zip), args.lms)
        for message in got.messages:
            print(message)
        print(f"{names[0]}: {len(got.new)} new, {len(got.replaced)} replaced (regraded by `newslit grade`), "
              f"{len(got.unchanged)} unchanged submission(s)" + (f"; replaced: {', '.join(got.replaced)}"
                                                                  if got.replaced else ""))
        late = sorted(s for s, i in lms.submission_info(course, names[0]).items() if i.get("late"))
        if late:
            print(f"marked LATE by the LMS: {', '.join(late)} (shown in the exports and the report)")
        return 0
    status = 0
    for a in names:  # the exchange: --update also collects submissions newer than the ones collected
        proc = classroom.nbgrader(course, "collect", a, "--update", log=course.root / "grading" / "logs" /
                                  f"collect-{a}.log")
        lines = [ln.split("] ", 1)[-1] for ln in (proc.stdout + proc.stderr).splitlines() if "Collecting submission"
                 in ln or "Updating submission" in ln or "ERROR" in ln or "No submissions" in ln]
        print(f"{a}: " + ("\n    ".join(lines) if lines else "nothing new") + f" (log: grading/logs/collect-{a}.log)")
        status = max(status, 0 if proc.returncode == 0 else 2)
    return status


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newslit", description=__doc__.split("\n\n")[0],
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--course", default=os.getcwd(), help="course root with nbgrader_config.py (default: here)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp, students=True):
        sp.add_argument("assignment", nargs="*", help="assignments (default: every one with submissions)")
        if students:
            sp.add_argument("--student", action="append", metavar="GLOB",
                            help="only students whose id matches GLOB (repeatable; default: all)")
        sp.add_argument("--workers", type=int, default=2, help="parallel nbgrader processes (default 2, one per core)")
        sp.add_argument("--quiet", action="store_true", help="no progress line")

    r = sub.add_parser("roster", help="import the students of a Canvas or Moodle export into the gradebook",
                       description="newslit roster import FILE: every student of a Canvas gradebook export (Student, "
                       "ID, SIS User ID, SIS Login ID, Section) or a Moodle grades/participants export (First name, "
                       "Last name, ID number, Email address) into nbgrader's gradebook, so that students without a "
                       "submission show as missing. Student ids: --id-column, by default Canvas's SIS Login ID (else "
                       "ID) and Moodle's ID number (else Email address); they must match the names submissions "
                       "arrive under (JupyterHub logins on the exchange).")
    r.add_argument("action", choices=["import"])
    r.add_argument("file", help="the CSV exported from the LMS gradebook")
    r.add_argument("--id-column", help="the column that holds each student's id")
    r.set_defaults(func=cmd_roster)

    c = sub.add_parser("collect", help="collect new and newer submissions (exchange, or an LMS zip with --zip)",
                       description="Without --zip: `nbgrader collect --update` (newer submissions replace older ones). "
                       "With --zip: an LMS's 'download all submissions' zip (Canvas or Moodle file names); a "
                       "submission is rewritten only when its content changed, the newest of several files per "
                       "student wins, and Canvas's LATE flag and each file's name prefix are kept for the exports "
                       "and the feedback archive.")
    c.add_argument("assignment", nargs="*", help="assignments (default: every one with submissions)")
    c.add_argument("--zip", help="the LMS's submissions zip")
    c.add_argument("--lms", choices=["canvas", "moodle"], help="how the zip's files are named (default: either)")
    c.set_defaults(func=cmd_collect)

    g = sub.add_parser("grade", help="autograde all submissions, write feedback (no key), export CSVs and report",
                       description="Autograde every submitted student (or --student globs) with --workers nbgrader "
                       "processes, each grading a share of the students; retry failures once; generate feedback and "
                       "check it shows no key and holds no other file; export totals, per-item scores and the item analysis.")
    common(g)
    g.add_argument("--force", action="store_true", help="regrade submissions that were already autograded")
    g.add_argument("--no-feedback", action="store_true", help="skip feedback generation")
    g.add_argument("--out", help="folder for the exports (default grading/exports)")
    g.set_defaults(func=cmd_grade)

    f = sub.add_parser("feedback", help="regenerate feedback HTML (e.g. after manual grading) and check it")
    common(f)
    f.set_defaults(func=cmd_feedback)

    e = sub.add_parser("export", help="totals CSV, per-item CSV, item analysis CSVs and HTML report")
    e.add_argument("assignment", nargs="*", help="assignments (default: every autograded one)")
    e.add_argument("--out", help="folder for the exports (default grading/exports)")
    e.set_defaults(func=cmd_export)

    d = sub.add_parser("demo", help="grade a sample class of student personas end to end (run in the repository)",
                       description="Copy the course into DEST (default: a new temporary folder), write one "
                       "submission per student persona, and run `newslit grade` on it.")
    d.add_argument("assignment", nargs="*", help="assignments to include (default: all)")
    d.add_argument("--dest", help="an empty folder for the demo course (default: a temporary folder)")
    d.add_argument("--personas", nargs="+", metavar="NAME", help="personas to include (default: all)")
    d.add_argument("--copies", type=int, default=1, help="students per persona (for a larger class)")
    d.add_argument("--workers", type=int, default=2, help="parallel nbgrader processes (default 2)")
    d.add_argument("--db-url", help="gradebook database (SQLAlchemy URL, e.g. postgresql+psycopg2://user@host/db; "
                   "default: SQLite in grading/)")
    d.add_argument("--quiet", action="store_true", help="no progress line")
    d.set_defaults(func=cmd_demo)

    k = sub.add_parser("keys", help="check that every autograded item's key builds from data/key/ and that no "
                       "cell of solutions/ holds a key (exit 1 if one does)")
    k.set_defaults(func=cmd_keys)

    pk = sub.add_parser("pack", help="start, check or build an article pack (any article becomes graded notebooks)",
                        description="new FOLDER --text FILE: start a pack (text, sentences with offsets, empty tables, "
                        "an outline to edit). check FOLDER: validate it (messages name file, row and field). build "
                        "FOLDER: check, write solutions/<assignment>/ from its outlines, release with nbgrader "
                        "generate_assignment. See docs/instructor-guide.md, 'Your own article'.")
    pk.add_argument("action", choices=["new", "check", "build"])
    pk.add_argument("folder", help="the pack's folder (the course's own article: data)")
    pk.add_argument("--text", help="new: the article as a UTF-8 text file, one paragraph per line")
    pk.add_argument("--name", help="new: the pack's name (default: the folder's name)")
    pk.add_argument("--assignment", help="new: the assignment it builds (default: the pack's name)")
    pk.add_argument("--title", default="", help="new: one line saying what the article is")
    pk.add_argument("--no-release", action="store_true", help="build: write solutions/ only")
    pk.set_defaults(func=cmd_pack)

    a = sub.add_parser("guide", help="write docs/answer-key.md from data/key/ and solutions/ (instructor only)")
    a.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    a.add_argument("--out", help="where to write (default docs/answer-key.md)")
    a.set_defaults(func=cmd_guide)

    b = sub.add_parser("bundle", help="write the student zip: package wheel, lessons, released exercises (no key)",
                       description="Students should not get this repository (it holds the answer key). This writes "
                       "DEST/newslit-student.zip with the package wheel, lessons/ and exercises/ and a short README.")
    b.add_argument("--dest", help="folder for the zip (default: dist/ in the course root)")
    b.set_defaults(func=cmd_bundle)
    for each in sub.choices.values():  # --course after the subcommand too
        each.add_argument("--course", default=argparse.SUPPRESS, help="course root (default: here)")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "workers", 1) < 1:
        parser().error("--workers must be at least 1")
    from newslit.classroom import CourseError
    from newslit.data import DataError
    from newslit.outline import OutlineError

    try:
        return args.func(args)
    except (CourseError, DataError, OutlineError) as err:
        print(f"newslit {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
