"""tests/xdist_units.py: the files that share the graded class travel to one pytest-xdist worker together."""

from __future__ import annotations

import re
from pathlib import Path

from xdist_units import GROUP_OF_FILE, SHARED_FIXTURE_GROUPS, SPLIT_BY_FIXTURE_PARAMETER, work_unit

ROOT = Path(__file__).resolve().parents[1]


def files_using(fixture: str) -> set[str]:
    """Test files whose test functions (or fixtures) take ``fixture`` as an argument."""
    uses = re.compile(rf"def \w+\([^)]*\b{re.escape(fixture)}\b")
    return {path.relative_to(ROOT).as_posix() for path in (ROOT / "tests").rglob("test_*.py")
            if uses.search(path.read_text(encoding="utf-8"))}


def test_every_file_using_a_shared_fixture_is_in_its_group():
    """A test file that takes grading_run is listed in its group, and every listed file uses it."""
    for fixture, paths in SHARED_FIXTURE_GROUPS.items():
        assert files_using(fixture) == set(paths), fixture


def test_a_grouped_file_is_one_unit_and_another_file_its_own():
    """work_unit() names the group for every test of a grouped file, and the file itself otherwise."""
    assert {work_unit(f"{path}::test_x[es]") for path in GROUP_OF_FILE} == {"grading_run"}
    assert work_unit("tests/grading/test_parallel.py::test_y") == "tests/grading/test_parallel.py"
    assert work_unit("notebooks/es/04-tcp.ipynb::Cell 3") == "notebooks/es/04-tcp.ipynb"


def test_the_language_grading_file_is_one_unit_per_graded_language():
    """Every language with solutions/ besides English is a unit of its own, zh-TW's ids included."""
    graded = {path.name for path in (ROOT / "solutions").iterdir() if path.is_dir() and path.name != "en"}
    path = "tests/i18n/test_grading_editions.py"
    assert set(SPLIT_BY_FIXTURE_PARAMETER[path]) == graded
    assert work_unit(f"{path}::test_release_has_the_language_stubs_and_instructions[id]") == f"{path}[id]"
    assert work_unit(f"{path}::test_wrong_solution_scores_less[zh-TW-a9-returns-early]") == f"{path}[zh-TW]"
    assert work_unit(f"{path}::test_reference_scores_full_marks[fr-a1-sockets]") == f"{path}[fr]"


def test_longest_units_are_real_units_handed_out_first():
    """Each LONGEST_FIRST name is the unit of a test file that exists, and scheduling_order puts those units first, in order."""
    from xdist_units import LONGEST_FIRST, scheduling_order

    for unit in LONGEST_FIRST:
        path = SHARED_FIXTURE_GROUPS[unit][0] if unit in SHARED_FIXTURE_GROUPS else unit.split("[", 1)[0]
        assert (ROOT / path).is_file(), unit
    ids = ["tests/a.py::t1", "tests/b.py::t1", "tests/b.py::t2", "tests/grading/test_feedback.py::t",
           "tests/hub/test_trial_hub.py::t", "tests/a.py::t2", "tests/b.py::t3"]
    assert scheduling_order(ids) == ["tests/hub/test_trial_hub.py::t", "tests/grading/test_feedback.py::t",
                                     "tests/b.py::t1", "tests/b.py::t2", "tests/b.py::t3", "tests/a.py::t1", "tests/a.py::t2"]
