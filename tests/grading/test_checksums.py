"""Tampering reported truly (tools/course_grading/checksums.py), on the shared grading run (conftest.py).

The run grades every assignment's untouched release and reference solution,
and five a4 submissions whose test cells were edited, deleted, turned into
an ordinary cell, unflagged, or left with empty nbgrader metadata. Untouched ones must log nothing; each
tampered one is reported once, by student and cell, in the log, in
``tampering.csv`` and as a flag in the gradebook.
"""

from __future__ import annotations

import re

import pytest
from grading_package import load_grading
from nbgrader.api import Gradebook

pytestmark = pytest.mark.timeout(900)

checksums = load_grading().checksums

#: student -> (cell, how) that the report must name, and nothing else.
TAMPERED = {
    "hostile-edited-test": ("udp_request_gives_up", "edited"),
    "hostile-deleted-test": ("udp_request_retries_after_loss", "deleted"),
    "hostile-pass-test": ("udp_request_retries_after_loss", "deleted"),
    "hostile-unflagged-test": ("udp_request_gives_up", "unflagged"),
    "hostile-empty-metadata": ("udp_request_gives_up", "broken"),
}
REPORT_LINE = re.compile(r"Tampered test cell: student (\S+), (\S+), cell (\S+) was (\w+)")


def all_logs(grading_run) -> str:
    return "\n".join(log for _code, log in grading_run.batch_logs.values())


def flagged(course) -> set[tuple[str, str]]:
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        return {(notebook.assignment.assignment.name, notebook.student.id)
                for assignment in gradebook.assignments
                for submission in gradebook.assignment_submissions(assignment.name)
                for notebook in submission.notebooks if notebook.flagged}


def test_untouched_submissions_log_no_checksum_warning(grading_run):
    """Untouched releases and reference solutions of every assignment make nbgrader log no checksum change."""
    assert "Attribute 'checksum'" not in all_logs(grading_run)
    assert "has changed!" not in all_logs(grading_run)


def test_each_tampered_cell_is_logged_once_by_student_and_cell(grading_run):
    """The log names exactly the tampered cells, once each, with the student and what was done to the cell."""
    reports = REPORT_LINE.findall(all_logs(grading_run))
    assert sorted(reports) == sorted((student, "a4-udp", cell, how) for student, (cell, how) in TAMPERED.items())
    assert "Missing grade cell" not in all_logs(grading_run)  # nbgrader's own line would say it a second time


def test_report_file_and_gradebook_flags_name_the_tampered_submissions(grading_run):
    """tampering.csv beside the gradebook has one row per tampered cell; those submissions, and only those, are flagged."""
    course = grading_run.hostile_course
    rows = checksums.read_report(course.root)
    assert sorted((row["student"], row["assignment"], row["cell"], row["change"]) for row in rows) == \
        sorted((student, "a4-udp", cell, how) for student, (cell, how) in TAMPERED.items())
    assert flagged(course) == {("a4-udp", student) for student in TAMPERED}
    assert checksums.read_report(grading_run.courses[1].root) == [] and flagged(grading_run.courses[1]) == set()


def test_original_test_grades_a_tampered_cell(grading_run):
    """The restored test (edited, deleted, unflagged, broken) scores the wrong solution 0 of the cell's real points."""
    reference = grading_run.scores[("a4-udp", "reference-a4-udp")]
    for student, (cell, _how) in TAMPERED.items():
        score, points, manual = grading_run.scores[("a4-udp", student)][cell]
        assert (score, points, manual) == (0.0, reference[cell][1], False), student


def test_a_regrade_replaces_the_submissions_rows(tmp_path):
    """Writing the report again for a submission replaces its rows and keeps the others."""
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(tmp_path)
    reporter = checksums.ReportingOverwriteCells(config=config)
    for student, changes in [("alice", [("t1", "edited")]), ("bob", [("t2", "deleted")]), ("alice", [])]:
        reporter.assignment_id, reporter.notebook_id, reporter._student, reporter._changes = "a4-udp", "a4-udp", student, changes
        reporter._write_report()
    assert [(row["student"], row["cell"]) for row in checksums.read_report(tmp_path)] == [("bob", "t2")]
