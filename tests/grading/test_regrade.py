"""``tools/course regrade``: after a resubmission, one command changes the gradebook and the feedback page.

The guide's path on a temporary copy of the course: bruno submits a wrong a2,
is graded and gets feedback; he resubmits the reference answer; plain
``nbgrader autograde`` would skip him and ``generate_feedback`` would keep
the old page. ``regrade --student bruno`` updates both, and leaves carla's
page alone.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest
from gradebook_dump import dump_gradebook, total_scores
from grading_course import Course, release_tool
from grading_submissions import MISTAKES, reference

pytestmark = pytest.mark.timeout(900)

ASSIGNMENT = "a2-tcp-client"
WRONG = next(case for case in MISTAKES if case.assignment == ASSIGNMENT)


def tool(course: Course, *args: str) -> subprocess.CompletedProcess:
    """``tools/course ...`` as tools/course runs it: the venv's Python and the package folder."""
    return subprocess.run(
        [sys.executable, str(course.root / "tools" / "course_grading"), *args], cwd=course.root,
        env=release_tool.nbgrader_environment("en"), capture_output=True, text=True, timeout=600,
    )


def page_score(course: Course, student: str) -> str:
    """The "Score: x / y" line of a student's feedback page."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", (course.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()))
    return re.search(r"Score:\s*([\d.]+\s*/\s*[\d.]+)", text).group(1).replace(" ", "")


@pytest.fixture(scope="module")
def resubmitted(tmp_path_factory) -> dict:
    """bruno (wrong) and carla (right) graded with feedback; then bruno resubmits the right answer."""
    course = Course.create(tmp_path_factory.mktemp("regrade") / "course")
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    right = reference(ASSIGNMENT)
    course.submit("bruno", ASSIGNMENT, WRONG.build(course.released(ASSIGNMENT)))
    course.submit("carla", ASSIGNMENT, right.build(course.released(ASSIGNMENT)))
    first = tool(course, "grade", ASSIGNMENT, "--workers", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    course.nbgrader("generate_feedback", ASSIGNMENT)
    before = {"scores": total_scores(dump_gradebook(course.root / "gradebook.db")),
              "pages": {s: page_score(course, s) for s in ("bruno", "carla")},
              "carla_mtime": (course.root / "feedback" / "carla" / ASSIGNMENT / f"{ASSIGNMENT}.html").stat().st_mtime_ns}
    course.submit("bruno", ASSIGNMENT, right.build(course.released(ASSIGNMENT)))
    plain = course.nbgrader("autograde", ASSIGNMENT, "--student", "bruno")
    after_plain = total_scores(dump_gradebook(course.root / "gradebook.db"))
    regrade = tool(course, "regrade", ASSIGNMENT, "--student", "bruno", "--workers", "1")
    return {"course": course, "before": before, "plain": plain, "after_plain": after_plain, "regrade": regrade,
            "after": total_scores(dump_gradebook(course.root / "gradebook.db"))}


def test_first_grading_saw_the_wrong_answer(resubmitted):
    """Before the resubmission bruno scored less than carla, in the gradebook and on his page (so the test can fail)."""
    before = resubmitted["before"]
    assert before["scores"][(ASSIGNMENT, "bruno")][0] < before["scores"][(ASSIGNMENT, "carla")][0]
    assert before["pages"]["bruno"] != before["pages"]["carla"]


def test_plain_autograde_skips_the_resubmission(resubmitted):
    """nbgrader autograde without --force skips bruno: the reason the guide gives one regrade command."""
    assert "Skipping existing assignment" in resubmitted["plain"]
    assert resubmitted["after_plain"][(ASSIGNMENT, "bruno")] == resubmitted["before"]["scores"][(ASSIGNMENT, "bruno")]


def test_regrade_updates_the_gradebook_and_the_page(resubmitted):
    """regrade --student bruno gives him full marks in the gradebook and rewrites his feedback page to match."""
    course, regrade = resubmitted["course"], resubmitted["regrade"]
    assert regrade.returncode == 0, regrade.stderr[-3000:]
    score, total = resubmitted["after"][(ASSIGNMENT, "bruno")]
    assert score == total == resubmitted["before"]["scores"][(ASSIGNMENT, "carla")][1]
    assert page_score(course, "bruno") == f"{score}/{total}"
    assert "nbgrader release_feedback a2-tcp-client" in regrade.stderr


def test_regrade_of_one_student_leaves_the_others(resubmitted):
    """carla's score and feedback page are untouched by bruno's regrade."""
    course = resubmitted["course"]
    assert resubmitted["after"][(ASSIGNMENT, "carla")] == resubmitted["before"]["scores"][(ASSIGNMENT, "carla")]
    page = course.root / "feedback" / "carla" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert page.stat().st_mtime_ns == resubmitted["before"]["carla_mtime"]
