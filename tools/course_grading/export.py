"""``nbgrader export`` that tells missing work from a real zero: a ``status`` column in ``grades.csv``.

nbgrader's CSV export writes 0.0 for a student who submitted nothing, for a
submission whose grading failed, and for a real zero alike. The course's
export writes the same columns plus ``status``:

- ``graded``: autograded, every score is in;
- ``needs manual grading``: autograded, some cell waits for you in the formgrader;
- ``not graded``: submitted (in ``submitted/`` or the gradebook) but no autograded
  notebook: grading failed or has not run; the score is empty, not 0;
- ``not submitted``: nothing from this student; the score is 0, as nbgrader writes it.

It also logs one line per status and names the students that are not graded.
Students who submitted but are not in the gradebook yet get a row too.

Typical use (in ``nbgrader_config.py``)::

    c.ExportApp.plugin_class = grading.StatusCsvExport
"""

from __future__ import annotations

import csv
import glob
from collections import Counter
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import CsvExportPlugin

__all__ = ["StatusCsvExport", "FIELDS", "STATUSES", "status_rows"]

#: nbgrader's CSV columns, then the course's ``status``.
FIELDS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
          "raw_score", "late_submission_penalty", "score", "max_score", "status"]
STATUSES = ("graded", "needs manual grading", "not graded", "not submitted")


class StatusCsvExport(CsvExportPlugin):
    """nbgrader's CSV export with a ``status`` column (graded / needs manual grading / not graded / not submitted).

    Typical use::

        nbgrader export            # grades.csv at the course root
    """

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or "grades.csv"
        coursedir = CourseDirectory(parent=self)
        rows = status_rows(gradebook, coursedir, {str(a) for a in self.assignment}, {str(s) for s in self.student})
        self.log.info("Exporting grades to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        counts = Counter(row["status"] for row in rows)
        self.log.info("Exported %d rows: %s", len(rows), ", ".join(f"{counts[s]} {s}" for s in STATUSES))
        for row in rows:
            if row["status"] == "not graded":
                self.log.warning("Not graded: student %s, %s (submitted, no autograded notebook: grade it again)",
                                 row["student_id"], row["assignment"])


def status_rows(gradebook: Gradebook, coursedir: CourseDirectory, assignments=(), students=()) -> list[dict]:
    """One row of ``FIELDS`` per assignment and student (roster and submitters), with its status.

    ``assignments`` and ``students`` keep only those names (empty: all). The
    LMS export (``lms_export``) reads the same rows, so both tell missing work
    from a zero in one place.

    Typical use::

        with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
            rows = status_rows(gradebook, coursedir, {"a1-sockets"})
    """
    rows = []
    for assignment in gradebook.assignments:
        if assignments and assignment.name not in assignments:
            continue
        roster = {student.id: student for student in gradebook.students}
        for student_id in _submitters(coursedir, assignment.name):
            roster.setdefault(student_id, None)
        for student_id in sorted(roster):
            if students and student_id not in students:
                continue
            rows.append(_row(gradebook, coursedir, assignment, student_id, roster[student_id]))
    return rows


def _row(gradebook, coursedir, assignment, student_id, student) -> dict:
    row = {
        "assignment": assignment.name, "duedate": assignment.duedate or "", "student_id": student_id,
        "last_name": getattr(student, "last_name", None) or "", "first_name": getattr(student, "first_name", None) or "",
        "email": getattr(student, "email", None) or "", "max_score": assignment.max_score,
    }
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, student_id, assignment.name)).is_dir()
    autograded = Path(coursedir.format_path(coursedir.autograded_directory, student_id, assignment.name))
    try:
        submission = gradebook.find_submission(assignment.name, student_id)
    except MissingEntry:
        submission = None
    if submission is None and not submitted:
        return {**row, "timestamp": "", "raw_score": 0.0, "late_submission_penalty": 0.0, "score": 0.0,
                "status": "not submitted"}
    if submission is None or not any(autograded.glob("*.ipynb")):
        timestamp = submission.timestamp if submission is not None else ""
        return {**row, "timestamp": timestamp or "", "raw_score": "", "late_submission_penalty": "", "score": "",
                "status": "not graded"}
    penalty = submission.late_submission_penalty or 0.0
    return {**row, "timestamp": submission.timestamp or "", "raw_score": submission.score,
            "late_submission_penalty": penalty, "score": max(0.0, submission.score - penalty),
            "status": "needs manual grading" if submission.needs_manual_grade else "graded"}


def _submitters(coursedir: CourseDirectory, assignment: str) -> list[str]:
    """Ids of the students with a folder for ``assignment`` in ``submitted/``."""
    pattern = coursedir.format_path(coursedir.submitted_directory, "*", assignment)
    return sorted(Path(path).parent.name for path in glob.glob(pattern) if Path(path).is_dir())
