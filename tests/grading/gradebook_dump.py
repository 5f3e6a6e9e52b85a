"""Everything a gradebook says about submissions, as plain data, to compare two gradings of one class.

Typical use::

    assert dump_gradebook(one_by_one / "gradebook.db") == dump_gradebook(parallel / "gradebook.db")
"""

from __future__ import annotations

from pathlib import Path


def dump_gradebook(db_path: Path) -> dict:
    """{(assignment, student): submission facts, each notebook's flags and each cell's grade and comment}.

    Ids and the database's own bookkeeping are left out; every value that
    grading writes or reads (scores, manual scores, "needs manual grade",
    comments, flags, late penalty, timestamp, extension) is in.
    """
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{db_path}") as gradebook:
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                notebooks = {}
                for notebook in submission.notebooks:
                    notebooks[notebook.name] = {
                        "flagged": notebook.flagged,
                        "late_submission_penalty": notebook.late_submission_penalty,
                        "grades": {
                            grade.name: (grade.auto_score, grade.manual_score, grade.extra_credit, grade.max_score, grade.needs_manual_grade)
                            for grade in notebook.grades
                        },
                        "comments": {comment.name: (comment.auto_comment, comment.manual_comment) for comment in notebook.comments},
                    }
                found[(assignment.name, submission.student.id)] = {
                    "timestamp": submission.timestamp,
                    "extension": submission.extension,
                    "notebooks": notebooks,
                }
    return found


def total_scores(dump: dict) -> dict:
    """{(assignment, student): (auto score, max score)} from a dump, for short messages."""
    totals = {}
    for key, submission in dump.items():
        grades = [grade for notebook in submission["notebooks"].values() for grade in notebook["grades"].values()]
        totals[key] = (sum(g[0] or 0 for g in grades), sum(g[3] or 0 for g in grades))
    return totals
