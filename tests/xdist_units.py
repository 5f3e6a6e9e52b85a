"""How the test files are shared out between pytest-xdist's workers (``tools/course test`` runs ``--dist loadfile``).

loadfile keeps each file on one worker, so a module fixture is built once. A
session fixture used by several files is built once *per worker* that runs one
of them: ``grading_run`` (a whole class graded by nbgrader, about 3.5 minutes of
a worker) was built twice when its files landed on both workers. The files in
``SHARED_FIXTURE_GROUPS`` travel as one unit, so the fixture is built once. The
other way round, a file in ``SPLIT_BY_FIXTURE_PARAMETER`` is cut into one unit
per value of its parametrized module fixture. Units that take minutes of one
worker (``LONGEST_FIRST``) are handed out first, longest first, so that none of
them starts near the end and runs alone while the other workers sit idle.

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

#: Units that take minutes of one worker, longest first (seconds of one CI run on 2 cores, 3 workers).
#: xdist hands out the units with the most tests first, which left the class on the trial hub (few tests,
#: the longest unit) to start last. tests/test_xdist_units.py checks that each name is a unit.
LONGEST_FIRST = (
    "tests/hub/test_trial_hub.py",
    "grading_run",
    "tests/i18n/test_grading_editions.py[es]",
    "tests/i18n/test_grading_editions.py[id]",
    "tests/i18n/test_grading_editions.py[fr]",
    "tests/i18n/test_grading_editions.py[zh-TW]",
    "tests/browser/test_browser_lessons.py",
    "tests/browser/test_browser_editions.py",
)


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


def unit_order(nodeids: list[str]) -> list[str]:
    """The work units of ``nodeids`` in the order they are handed out: ``LONGEST_FIRST``, then most tests first.

    Typical use::

        unit_order(["tests/a.py::t1", "tests/hub/test_trial_hub.py::t2", "tests/a.py::t3"])
        # -> ["tests/hub/test_trial_hub.py", "tests/a.py"]
    """
    sizes: dict[str, int] = {}
    for nodeid in nodeids:
        unit = work_unit(nodeid)
        sizes[unit] = sizes.get(unit, 0) + 1
    rank = {unit: place for place, unit in enumerate(LONGEST_FIRST)}
    return sorted(sizes, key=lambda unit: (rank.get(unit, len(rank)), -sizes[unit]))


def scheduling_order(nodeids: list[str]) -> list[str]:
    """``nodeids`` regrouped unit by unit in ``unit_order``, each unit's tests in their own order."""
    place = {unit: index for index, unit in enumerate(unit_order(nodeids))}
    return sorted(nodeids, key=lambda nodeid: place[work_unit(nodeid)])


class CourseFileScheduling(LoadFileScheduling):
    """loadfile, with the files of one shared session fixture as a single unit, in the collection's order.

    The collection is already in ``scheduling_order`` (tests/conftest.py sorts it in every worker:
    xdist sends a worker the *positions* of its tests in the collection, so the order must be the
    workers' own). xdist's own reordering, most tests first, would undo ``LONGEST_FIRST``.
    """

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)

    def schedule(self) -> None:
        self.config.option.loadscopereorder = False
        super().schedule()
