"""Every test run: pytest-xdist's loadfile keeps the files of one shared session fixture together (tests/xdist_units.py)."""

from __future__ import annotations

import pytest
from xdist_units import CourseFileScheduling, unit_order, work_unit


def pytest_addoption(parser):
    """``--class-kernels tcp`` runs the trial hub's class lessons on TCP kernels (tests/hub/test_trial_hub.py)."""
    parser.addoption("--class-kernels", choices=("ipc", "tcp"), default="ipc",
                     help="the ZMQ transport of the trial hub class's lesson kernels: ipc (the hub's setting, "
                          "the default) or tcp (jupyter_client's default), to compare the two")


def pytest_xdist_make_scheduler(config, log):
    """Use CourseFileScheduling whenever ``--dist loadfile`` is asked for."""
    if config.getoption("dist") == "loadfile":
        return CourseFileScheduling(config, log)
    return None


@pytest.hookimpl(trylast=True)  # after pytest's own reordering by fixture scope, which this keeps inside each unit
def pytest_collection_modifyitems(session, config, items):
    """Collect the longest work units first (tests/xdist_units.py), the same order in every xdist worker."""
    place = {unit: index for index, unit in enumerate(unit_order([item.nodeid for item in items]))}
    items.sort(key=lambda item: place[work_unit(item.nodeid)])  # stable: each unit keeps its own order
