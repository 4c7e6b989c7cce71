"""Late work: due dates per exercise and nbgrader's late-penalty plugin.

Due dates are set in ``nbgrader_config.py`` (``c.NewslitTerm.due_dates``) and written into the
gradebook by ``newslit grade`` before autograding; nbgrader then compares each submission's
timestamp with them and its ``AssignLatePenalties`` step asks the plugin configured there
(``PerDayPenalty`` below) for the penalty. nbgrader computes that penalty once, at autograde time,
from the autograded score; ``reapply`` recomputes it from the current score (manual scores
included) so that totals, exports and feedback agree.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


class PerDayPenalty(LateSubmissionPlugin):
    """A share of the notebook's score off per started day late, up to a maximum (0: no penalty)."""

    percent_per_day = Float(0.0, help="percent of the score taken off per started day late").tag(config=True)
    max_percent = Float(100.0, help="the largest penalty, in percent of the score").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float | None:
        if total_seconds_late <= 0 or not self.percent_per_day:
            return None
        days = math.ceil(total_seconds_late / 86400)
        return round(score * min(self.max_percent, days * self.percent_per_day) / 100, 4)


def due_dates(course) -> dict[str, str]:
    """{assignment: due date text} from ``c.NewslitTerm.due_dates`` in nbgrader_config.py."""
    section = course.config.get("NewslitTerm", {})
    return dict(section.get("due_dates", {}) or {})


def set_due_dates(course) -> dict[str, object]:
    """Write the configured due dates into the gradebook (UTC, as nbgrader stores them)."""
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    from newslit.classroom import CourseError

    dates = due_dates(course)
    unknown = sorted(set(dates) - set(course.assignments()))
    if unknown:
        raise CourseError(f"c.NewslitTerm.due_dates names {', '.join(unknown)}, which the course does not have")
    written = {}
    with Gradebook(course.db_url) as gb:
        for name, when in dates.items():
            written[name] = gb.update_or_create_assignment(name, duedate=parse_utc(when)).duedate
    return written


def reapply(course, assignment: str) -> None:
    """Recompute every late notebook's penalty from its current score with the configured plugin."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.preprocessors import AssignLatePenalties

    step = AssignLatePenalties(config=course.config)
    step.init_plugin()
    with Gradebook(course.db_url) as gb:
        try:
            submissions = gb.assignment_submissions(assignment)
        except MissingEntry:  # not graded yet
            return
        for sub in submissions:
            late = sub.total_seconds_late
            for nb in sub.notebooks:
                penalty = step.plugin_inst.late_submission_penalty(sub.student.id, nb.score, late) if late > 0 else None
                nb.late_submission_penalty = None if penalty is None else max(0.0, min(penalty, nb.score))
        gb.db.commit()
