"""How the test files are shared out between pytest-xdist's workers (``tools/course test`` runs ``--dist loadfile``).

loadfile keeps each file on one worker, so a module fixture is built once. A
session fixture used by several files is built once *per worker* that runs one
of them: ``grading_run`` (a whole class graded by nbgrader, about 3.5 minutes of
a worker) was built twice when its files landed on both workers. The files in
``SHARED_FIXTURE_GROUPS`` travel as one unit, so the fixture is built once. The
other way round, a file in ``SPLIT_BY_FIXTURE_PARAMETER`` is cut into one unit
per value of its parametrized module fixture.

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

#: Files whose module fixture is parametrized (it comes first in every test id): one unit per value,
#: so each worker builds only the values it runs. One language's graded class takes 3-5 minutes:
#: as one file the four were the run's longest pole (17 of its 18 minutes on 3 workers).
SPLIT_BY_FIXTURE_PARAMETER = {
    "tests/i18n/test_grading_editions.py": ("es", "fr", "id", "zh-TW"),
}


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its group's name, or else its file.

    Typical use::

        work_unit("tests/grading/test_feedback.py::test_x")   # -> "grading_run"
        work_unit("tests/i18n/test_grading_editions.py::test_y[zh-TW-a1-sockets]")
        # -> "tests/i18n/test_grading_editions.py[zh-TW]"
    """
    path = nodeid.split("::", 1)[0]
    if path in SPLIT_BY_FIXTURE_PARAMETER and "[" in nodeid:
        ids = nodeid[nodeid.index("[") + 1:].rstrip("]")
        for value in sorted(SPLIT_BY_FIXTURE_PARAMETER[path], key=len, reverse=True):  # "zh-TW-a1" is zh-TW's
            if ids == value or ids.startswith(value + "-"):
                return f"{path}[{value}]"
    return GROUP_OF_FILE.get(path, path)


class CourseFileScheduling(LoadFileScheduling):
    """loadfile, with the files of one shared session fixture as a single unit."""

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)
