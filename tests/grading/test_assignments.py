"""Every assignment: the reference earns full marks, common mistakes lose exactly their tests, the release earns 0."""

from __future__ import annotations

import collections

import pytest
from grading_course import ASSIGNMENTS
from grading_submissions import MISTAKES, Case, reference, untouched

# The shared grading run (conftest.py) takes two to three minutes; pytest's default limit is 300 s.
pytestmark = pytest.mark.timeout(900)


def cell_scores(grading_run, case: Case) -> dict[str, tuple[float, float, bool]]:
    scores = grading_run.scores.get((case.assignment, case.student))
    assert scores, f"{case.student} was not graded"
    return scores


def expected_scores(grading_run, case: Case) -> dict[str, float]:
    return {name: (0.0 if name in case.failing else points) for name, (_s, points, _m) in cell_scores(grading_run, case).items()}


def test_batches_finish_without_nbgrader_errors(grading_run):
    """Both nbgrader autograde batches exit cleanly: every submission was graded."""
    for name, (exit_code, log) in grading_run.batch_logs.items():
        assert exit_code == 0 and "| ERROR] There was an error" not in log, f"{name}:\n{log[-5000:]}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_solution_scores_full_marks(grading_run, assignment):
    """The reference solution of each assignment earns every point."""
    scores = cell_scores(grading_run, reference(assignment))
    assert {name: score for name, (score, _p, _m) in scores.items()} == {name: points for name, (_s, points, _m) in scores.items()}
    assert not any(manual for (_s, _p, manual) in scores.values())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_release_scores_zero(grading_run, assignment):
    """The released exercise, submitted unchanged, earns 0 points."""
    scores = cell_scores(grading_run, untouched(assignment))
    assert sum(score for (score, _p, _m) in scores.values()) == 0, scores


@pytest.mark.parametrize("case", MISTAKES, ids=[case.student for case in MISTAKES])
def test_common_mistake_fails_exactly_its_tests(grading_run, case):
    """A common mistake scores 0 on the tests that check that behaviour and full points elsewhere."""
    scores = cell_scores(grading_run, case)
    got = {name: score for name, (score, _p, _m) in scores.items()}
    assert got == expected_scores(grading_run, case), case.about
    assert sum(got.values()) < sum(points for (_s, points, _m) in scores.values())


def test_every_assignment_has_two_mistakes():
    """Each assignment is checked against at least two known-wrong solutions."""
    counts = collections.Counter(case.assignment for case in MISTAKES)
    assert {name: counts[name] for name in ASSIGNMENTS if counts[name] < 2} == {}
