"""Hostile submissions graded in one batch: it finishes, and each earns what its real work deserves."""

from __future__ import annotations

import nbformat
import pytest
from grading_submissions import HOSTILE
from grading_course import nbgrader_id

# The shared grading run (conftest.py) takes two to three minutes; pytest's default limit is 300 s.
pytestmark = pytest.mark.timeout(900)

#: Seconds the hostile batch may take (the two stuck test cells and one kernel restart cost about 20 s).
HOSTILE_BATCH_LIMIT = 120


def by_student(name):
    return next(case for case in HOSTILE if case.student == name)


def test_hostile_batch_grades_every_submission(grading_run):
    """The batch with every hostile submission completes and leaves nothing for manual grading."""
    exit_code, log = grading_run.batch_logs["hostile"]
    assert exit_code == 0 and "There was an error processing assignment" not in log, log[-5000:]
    for case in HOSTILE:
        scores = grading_run.scores.get((case.assignment, case.student))
        assert scores, f"{case.student} ({case.about}) was not graded"
        assert not any(manual for (_s, _p, manual) in scores.values()), case.student


def test_hostile_batch_time_is_bounded(grading_run):
    """Hangs cost a cell timeout each, not the batch: the hostile batch ends well within its limit."""
    assert grading_run.seconds["hostile batch"] < HOSTILE_BATCH_LIMIT, grading_run.seconds


@pytest.mark.parametrize("case", HOSTILE, ids=[case.student for case in HOSTILE])
def test_hostile_submission_scores_its_real_work(grading_run, case):
    """A hostile submission scores 0 where its code is wrong and full points where it is right."""
    scores = grading_run.scores[(case.assignment, case.student)]
    got = {name: score for name, (score, _p, _m) in scores.items()}
    expected = {name: (0.0 if name in case.failing else points) for name, (_s, points, _m) in scores.items()}
    assert got == expected, case.about


def test_deleted_test_cell_is_put_back_and_run(grading_run):
    """A test cell the student deleted is restored from the gradebook and executed."""
    case = by_student("hostile-deleted-test")
    path = grading_run.course_of(case).autograded_path(case.student, case.assignment)
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if nbgrader_id(cell) == "udp_request_retries_after_loss"]
    assert len(cells) == 1 and cells[0].execution_count, "the deleted test cell was not restored and run"


def test_huge_output_is_cut_short(grading_run):
    """50 MB of printed output leave a small autograded notebook and a small feedback page."""
    case = by_student("hostile-50-mb-output")
    course = grading_run.course_of(case)
    assert course.autograded_path(case.student, case.assignment).stat().st_size < 1_000_000
    feedback = course.root / "feedback" / case.student / case.assignment / f"{case.assignment}.html"
    assert feedback.stat().st_size < 1_000_000
    assert "output truncated" in feedback.read_text(encoding="utf-8")
