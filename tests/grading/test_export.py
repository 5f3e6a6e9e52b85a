"""``nbgrader export`` tells missing work from a real zero (tools/course_grading/export.py).

Four students of a1 on a temporary copy of the course: ana (reference answer,
graded), ben (the untouched release: a real zero, graded), cid (submitted, not
graded: what a failed grading leaves) and dan (on the roster, submitted
nothing). nbgrader's own export writes 0.0 for the last three alike.
"""

from __future__ import annotations

import csv

import pytest
from grading_course import Course
from grading_submissions import reference, untouched

pytestmark = pytest.mark.timeout(600)

ASSIGNMENT = "a1-sockets"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, dict[str, str]]:
    """grades.csv rows by student after grading ana and ben, with cid's submission left ungraded."""
    course = Course.create(tmp_path_factory.mktemp("export") / "course")
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    course.submit("ana", ASSIGNMENT, reference(ASSIGNMENT).build(course.released(ASSIGNMENT)))
    course.submit("ben", ASSIGNMENT, untouched(ASSIGNMENT).build(course.released(ASSIGNMENT)))
    course.nbgrader("autograde", ASSIGNMENT)
    course.submit("cid", ASSIGNMENT, reference(ASSIGNMENT).build(course.released(ASSIGNMENT)))
    course.nbgrader("db", "student", "add", "dan", "--last-name", "Diaz", "--first-name", "Dan")
    log = course.nbgrader("export")
    with open(course.root / "grades.csv", newline="", encoding="utf-8") as stream:
        rows = {row["student_id"]: row for row in csv.DictReader(stream)}
    return {"rows": rows, "log": log}


def test_graded_students_have_their_scores(exported):
    """ana (4 of 4) and ben (a real 0 of 4) are both "graded", with their numbers."""
    rows = exported["rows"]
    assert (rows["ana"]["score"], rows["ana"]["max_score"], rows["ana"]["status"]) == ("4.0", "4.0", "graded")
    assert (rows["ben"]["score"], rows["ben"]["status"]) == ("0.0", "graded")


def test_submitted_but_not_graded_is_not_a_zero(exported):
    """cid submitted and was never graded: status "not graded", an empty score, and a warning naming him."""
    row = exported["rows"]["cid"]
    assert (row["status"], row["score"], row["raw_score"]) == ("not graded", "", "")
    assert "Not graded: student cid, a1-sockets" in exported["log"]


def test_nothing_submitted_is_its_own_status(exported):
    """dan is on the roster without a submission: status "not submitted", score 0 as nbgrader writes it."""
    row = exported["rows"]["dan"]
    assert (row["status"], row["score"], row["last_name"]) == ("not submitted", "0.0", "Diaz")


def test_summary_counts_each_status(exported):
    """The export log counts the rows by status."""
    assert "Exported 4 rows: 2 graded, 0 needs manual grading, 1 not graded, 1 not submitted" in exported["log"]
