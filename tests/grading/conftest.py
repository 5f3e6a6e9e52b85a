"""One grading run for the whole folder: release, grade every submission, write feedback.

The real nbgrader CLI runs on a temporary copy of the course. Submissions are
graded in two batches at once (two copies of the course, two cores); every
hostile submission is in the same batch. ``nbgrader validate`` checks the
solutions meanwhile.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from grading_course import ASSIGNMENTS, LANG, Course
from grading_submissions import Case, all_cases

#: Submissions graded beside the hostile ones, to balance the two batches (slow mistakes).
BALANCE = {"a2-no-half-close", "a3-no-close"}


@dataclass
class GradingRun:
    """Everything the grading tests look at after one run."""

    courses: list[Course]
    cases: list[Case]
    scores: dict = field(default_factory=dict)
    hostile_course: Course | None = None
    seconds: dict = field(default_factory=dict)
    validate_log: str = ""
    batch_logs: dict = field(default_factory=dict)  # "hostile" / "others" -> (exit code, log)

    def course_of(self, case: Case) -> Course:
        return self.hostile_course if case.hostile or case.student in BALANCE else self.courses[1]

    def feedback_files(self) -> list[Path]:
        return [path for course in self.courses for path in course.feedback_files()]


@pytest.fixture(scope="session")
def grading_run(tmp_path_factory) -> GradingRun:
    started = time.monotonic()
    base = tmp_path_factory.mktemp("grading")
    first = Course.create(base / "course-hostile")
    first.nbgrader("generate_assignment", "*", "--force")
    second = first.clone(base / "course-others")
    run = GradingRun(courses=[first, second], cases=all_cases(), hostile_course=first)
    for case in run.cases:
        course = run.course_of(case)
        course.submit(case.student, case.assignment, case.build(course.released(case.assignment)))

    solutions = [f"solutions/{LANG}/{name}/{name}.ipynb" for name in ASSIGNMENTS]
    batches = [course.start("autograde", "*", log_name="autograde.log") for course in run.courses]
    validate = second.start("validate", *solutions, log_name="validate.log")
    # Checked by the tests rather than here, so one failing submission does not hide the others.
    for name, batch in zip(("hostile", "others"), batches):
        log = batch.wait(timeout=600, check=False)
        run.batch_logs[name] = (batch.process.returncode, log)
    run.validate_log = validate.wait(timeout=600, check=False)
    run.seconds["hostile batch"] = batches[0].seconds
    run.seconds["other batch"] = batches[1].seconds

    feedback = [course.start("generate_feedback", "*", log_name="feedback.log") for course in run.courses]
    for job in feedback:
        job.wait(timeout=600, check=False)
    for course in run.courses:
        run.scores.update(course.scores())
    run.seconds["total"] = time.monotonic() - started
    print("\ngrading run (s):", {k: round(v, 1) for k, v in run.seconds.items()})
    return run
