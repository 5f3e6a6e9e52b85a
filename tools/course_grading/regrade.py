"""``tools/course regrade``: grade submissions again and refresh their feedback pages, in one command.

After a student resubmits, ``nbgrader autograde`` says "Skipping existing
assignment" and ``generate_feedback`` keeps the old page until each is given
``--force``. This command does both, for one student, a few, or the class:
the parallel grader with ``--force`` (``parallel``), then nbgrader's
``generate_feedback --force`` for the same students. Releasing the new pages
(``nbgrader release_feedback``) stays a separate, deliberate step.

Typical use::

    tools/course regrade a2-tcp-client --student bruno
    tools/course regrade a2-tcp-client            # the whole class
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from . import parallel

__all__ = ["main", "feedback_commands"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tools/course regrade",
        description="Grade an assignment again (after resubmissions or a changed test) and rewrite the feedback pages.",
    )
    parser.add_argument("assignment", help="the assignment id, e.g. a2-tcp-client")
    parser.add_argument("--student", action="append", default=[], metavar="ID", help="only this student (repeat it); default: everyone who submitted")
    parser.add_argument("--workers", type=int, default=parallel.default_workers(), help="grading processes at once (default: 3 per core)")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course root (default: the current folder)")
    return parser.parse_args(argv)


def feedback_commands(assignment: str, students: list[str]) -> list[list[str]]:
    """The ``nbgrader generate_feedback`` command lines that refresh these students' pages (all when none given).

    Typical use::

        feedback_commands("a2-tcp-client", ["bruno"])
        # -> [["nbgrader", "generate_feedback", "a2-tcp-client", "--force", "--student", "bruno"]]
    """
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    base = [nbgrader, "generate_feedback", assignment, "--force"]
    return [base + ["--student", student] for student in students] or [base]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    grade_args = [args.assignment, "--force", "--workers", str(args.workers), "--course", str(args.course)]
    for student in args.student:
        grade_args += ["--student", student]
    graded = parallel.main(grade_args)
    if graded == 2:  # a bad setting or an unknown assignment: nothing was graded, so no feedback either
        return graded
    failed = False
    for command in feedback_commands(args.assignment, args.student):
        done = subprocess.run(command, cwd=args.course, timeout=3600)
        failed = failed or done.returncode != 0
    who = ", ".join(args.student) or "every student"
    print(f"[course] Feedback of {args.assignment} rewritten for {who} in feedback/<student>/{args.assignment}/. "
          f"With nbgrader's exchange, students fetch it after: nbgrader release_feedback {args.assignment}; "
          f"for work collected from a platform or by e-mail, send each student their page.", file=sys.stderr)
    return 1 if graded or failed else 0
