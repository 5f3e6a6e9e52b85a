"""Every test run: pytest-xdist's loadfile keeps the files of one shared session fixture together (tests/xdist_units.py)."""

from __future__ import annotations

from xdist_units import CourseFileScheduling


def pytest_xdist_make_scheduler(config, log):
    """Use CourseFileScheduling whenever ``--dist loadfile`` is asked for."""
    if config.getoption("dist") == "loadfile":
        return CourseFileScheduling(config, log)
    return None
