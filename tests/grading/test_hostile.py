"""Hostile submissions graded in one batch: it finishes, and each earns what its real work deserves."""

from __future__ import annotations

import nbformat
import pytest
from grading_submissions import HOSTILE
from grading_course import nbgrader_id

# The shared grading run (conftest.py) takes two to three minutes; pytest's default limit is 300 s.
pytestmark = pytest.mark.timeout(900)


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


@pytest.mark.parametrize("case", HOSTILE, ids=[case.student for case in HOSTILE])
def test_a_hang_costs_one_cell_not_the_rest(grading_run, case):
    """A stuck or kernel-killing cell is stopped and every cell after it still executes.

    At most one cell may be left without an execution count: the one whose code killed the kernel.
    (How long a batch takes is measured by benchmarks/grade_class.py, not asserted here.)
    """
    path = grading_run.course_of(case).autograded_path(case.student, case.assignment)
    code = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code" and cell.source.strip()]
    skipped = [cell.source[:60] for cell in code if cell.execution_count is None]
    assert code[-1].execution_count is not None, f"{case.student}: grading stopped before the last cell"
    assert len(skipped) <= 1, f"{case.student}: cells never ran: {skipped}"


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
