"""Grade a synthetic class with the real nbgrader CLI and report how fast grading goes.

The class hands in one assignment: mostly the reference solution, a fifth of
common mistakes, and one submission that hangs. It is graded with
``nbgrader autograde`` on a temporary copy of the course, as an instructor
would: by default two commands at once on two halves of the class (students
whose id ends in an even or an odd digit), one per core, sharing the
gradebook; ``--jobs 1`` grades everything in one command. Printed:
submissions per minute and what the hanging submission cost. Targets on a
2-core machine: at least 30 submissions a minute, a hanging submission under
35 s.

Typical use (from the repository root)::

    .venv/bin/python benchmarks/grade_class.py
    .venv/bin/python benchmarks/grade_class.py --jobs 1 --students 60 --assignment a2-tcp-client
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "grading"))  # the grading tests' course copy and submissions

from grading_course import Course  # noqa: E402
from grading_submissions import HOSTILE, MISTAKES, Case, code, reference, reference_sources  # noqa: E402

TARGET_PER_MINUTE = 30
TARGET_HANG_SECONDS = 35


def hanging_case(assignment: str) -> Case:
    """A submission that hangs: a2's classic read loop without `break`, else a top-level endless loop."""
    for case in HOSTILE:
        if case.assignment == assignment and case.student == "hostile-infinite-loop":
            return case
    sources = reference_sources(assignment)
    first = next(iter(sources))
    return Case("hanging", assignment, "an endless loop at the top of a cell",
                {first: sources[first] + "\n\n" + code("while True:\n    pass")})


def synthetic_class(assignment: str, size: int) -> list[tuple[str, Case]]:
    """(student id, submission) for a class of ``size``: one hanging, a fifth wrong, the rest right."""
    mistakes = [case for case in MISTAKES if case.assignment == assignment]
    wrong = max(1, size // 5) if mistakes else 0
    hang_at = size // 2
    students = []
    for number in range(size):
        student = f"student-{number + 1:03d}"
        if number == hang_at:
            case = hanging_case(assignment)
        elif number % 5 == 1 and wrong:
            case = mistakes[(number // 5) % len(mistakes)]
            wrong -= 1
        else:
            case = reference(assignment)
        students.append((student, case))
    return students


def shard_patterns(jobs: int) -> list[str]:
    """Student-id globs that split the class into ``jobs`` parts by the id's last digit.

    Typical use::

        shard_patterns(2)   # -> ["student-*[02468]", "student-*[13579]"]
    """
    if not 1 <= jobs <= 10:
        raise ValueError("jobs must be between 1 and 10")
    if jobs == 1:
        return ["*"]
    return ["student-*[" + "".join(str(d) for d in range(10) if d % jobs == k) + "]" for k in range(jobs)]


def grade(assignment: str, size: int, workdir: Path, jobs: int = 2) -> dict:
    course = Course.create(workdir / "course")
    course.nbgrader("generate_assignment", assignment, "--force")
    students = synthetic_class(assignment, size)
    released = course.released(assignment)
    for student, case in students:
        course.submit(student, assignment, case.build(released))

    patterns = shard_patterns(jobs)
    started = time.monotonic()
    batch_start = time.time()
    running = [
        course.start("autograde", assignment, f"--student={pattern}", log_name=f"autograde-{number}.log")
        for number, pattern in enumerate(patterns)
    ]
    for job in running:
        job.wait(timeout=1800)
    wall = time.monotonic() - started

    # Each autograded notebook is written when its grading ends: within one command, consecutive
    # write times give every submission's grading time (the first also carries nbgrader's start-up).
    durations, firsts = {}, set()
    for pattern in patterns:
        shard = [student for student, _case in students if fnmatch.fnmatch(student, pattern)]
        finished = sorted((os.path.getmtime(course.autograded_path(student, assignment)), student) for student in shard)
        firsts.add(finished[0][1])
        previous = batch_start
        for moment, student in finished:
            durations[student] = moment - previous
            previous = moment
    scores = course.scores()
    kinds = {student: ("hanging" if case.student.startswith(("hostile", "hanging")) else
                       "correct" if case.student.startswith("reference") else "wrong") for student, case in students}
    correct = [durations[s] for s in durations if kinds[s] == "correct" and s not in firsts]
    hanging = next(s for s in kinds if kinds[s] == "hanging")
    full = [s for s in kinds if kinds[s] == "correct"
            and all(score == points for score, points, _m in scores[(assignment, s)].values())]
    return {
        "assignment": assignment,
        "jobs": jobs,
        "size": size,
        "counts": {kind: list(kinds.values()).count(kind) for kind in ("correct", "wrong", "hanging")},
        "wall": wall,
        "per_minute": size / wall * 60,
        "median": statistics.median(correct),
        "hang": durations[hanging],
        "hang_extra": durations[hanging] - statistics.median(correct),
        "all_correct_full_marks": len(full) == list(kinds.values()).count("correct"),
        "hanging_score": sum(score for score, _p, _m in scores[(assignment, hanging)].values()),
    }


def report(result: dict) -> str:
    counts = result["counts"]
    rows = [
        ("submissions graded", f"{result['size']} ({counts['correct']} correct, {counts['wrong']} wrong, {counts['hanging']} hanging)"),
        ("`nbgrader autograde` commands at once", f"{result['jobs']}"),
        ("wall time", f"{result['wall']:.1f} s"),
        ("submissions per minute", f"{result['per_minute']:.1f} (target >= {TARGET_PER_MINUTE})"),
        ("median time of a correct submission", f"{result['median']:.2f} s"),
        ("hanging submission: time", f"{result['hang']:.1f} s (target < {TARGET_HANG_SECONDS})"),
        ("hanging submission: cost over a correct one", f"{result['hang_extra']:.1f} s"),
        ("hanging submission: score", f"{result['hanging_score']:g}"),
        ("every correct submission has full marks", "yes" if result["all_correct_full_marks"] else "NO"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"Grading a class of {result['assignment']} with nbgrader ({os.cpu_count()} cores)", ""]
    lines += [f"{name.ljust(width)}  {value}" for name, value in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="a2-tcp-client")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2, help="autograde commands run at once (default: 2)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary course folder")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="grade-class-"))
    try:
        result = grade(args.assignment, args.students, workdir, args.jobs)
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    print(report(result))
    if args.keep:
        print(f"\ncourse kept in {workdir}")
    met = result["per_minute"] >= TARGET_PER_MINUTE and result["hang"] < TARGET_HANG_SECONDS
    return 0 if met and result["all_correct_full_marks"] else 1


if __name__ == "__main__":
    sys.exit(main())
