"""How the test files are shared out between pytest-xdist's workers (``tools/course test`` runs ``--dist loadfile``).

loadfile keeps each file on one worker, so a module fixture is built once. A
session fixture used by several files is built once *per worker* that runs one
of them: ``grading_run`` (a whole class graded by nbgrader, about 3.5 minutes of
a worker) was built twice when its files landed on both workers. The files in
``SHARED_FIXTURE_GROUPS`` travel as one unit, so the fixture is built once.

Typical use (tests/conftest.py hands the scheduler to pytest-xdist)::

    .venv/bin/python -m pytest -n 2 --dist loadfile tests/grading
"""

from __future__ import annotations

from xdist.scheduler import LoadFileScheduling

#: Files that use the same expensive session fixture, by the fixture's name (tests/test_xdist_units.py checks it).
SHARED_FIXTURE_GROUPS = {
    "grading_run": (
        "tests/grading/test_assignments.py",
        "tests/grading/test_checksums.py",
        "tests/grading/test_feedback.py",
        "tests/grading/test_hostile.py",
        "tests/grading/test_release.py",
    ),
}

#: A test file's path -> the name of its group.
GROUP_OF_FILE = {path: name for name, paths in SHARED_FIXTURE_GROUPS.items() for path in paths}


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its group's name, or else its file.

    Typical use::

        work_unit("tests/grading/test_feedback.py::test_x")   # -> "grading_run"
    """
    path = nodeid.split("::", 1)[0]
    return GROUP_OF_FILE.get(path, path)


class CourseFileScheduling(LoadFileScheduling):
    """loadfile, with the files of one shared session fixture as a single unit."""

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)
