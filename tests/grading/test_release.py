"""The committed exercises match the solutions, the solutions validate, and the notebooks follow the conventions."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from grading_course import ASSIGNMENTS, LANG, REPO, Course, is_solution, is_test, nbgrader_id, solution_notebook

# The shared grading run (conftest.py) takes two to three minutes; pytest's default limit is 300 s.
pytestmark = pytest.mark.timeout(900)

#: nbgrader metadata that may differ between two generations of the same source (none so far:
#: nbgrader's checksums are computed from the cell, cell ids come from the source).
VOLATILE: set[str] = set()


def comparable(path) -> list[tuple]:
    """What matters in a released notebook: each cell's type, source and nbgrader metadata."""
    notebook = nbformat.read(path, as_version=4)
    return [
        (cell.cell_type, cell.source, {k: v for k, v in cell.metadata.get("nbgrader", {}).items() if k not in VOLATILE})
        for cell in notebook.cells
    ]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_exercise_is_up_to_date(grading_run, assignment):
    """exercises/en/<id> is exactly what nbgrader generate_assignment makes from solutions/en/<id> now."""
    committed = REPO / "exercises" / LANG / assignment / f"{assignment}.ipynb"
    assert committed.exists(), "run: .venv/bin/python tools/release_exercises.py"
    fresh = grading_run.courses[0].release_path(assignment)
    assert comparable(committed) == comparable(fresh), "out of date: run .venv/bin/python tools/release_exercises.py"


def test_release_tool_matches_nbgrader(tmp_path, grading_run):
    """tools/release_exercises.py writes the same exercise as nbgrader generate_assignment, gradebook untouched."""
    course = Course.create(tmp_path / "course")
    tool = course.root / "tools" / "release_exercises.py"
    subprocess.run([sys.executable, str(tool), "--lang", LANG, "a1-sockets"], check=True, timeout=300, capture_output=True)
    assert comparable(course.release_path("a1-sockets")) == comparable(grading_run.courses[0].release_path("a1-sockets"))
    assert not (course.root / "gradebook.db").exists()


def test_solutions_pass_nbgrader_validate(grading_run):
    """nbgrader validate passes every solution notebook."""
    log = grading_run.validate_log
    assert log.count("Success! Your notebook passes all the tests.") == len(ASSIGNMENTS), log[-3000:]
    assert "VALIDATION FAILED" not in log


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_follows_the_conventions(assignment):
    """Setup cell first; every test cell has a docstring, points, hidden tests, and follows a solution or test cell."""
    cells = solution_notebook(assignment).cells
    code = [cell for cell in cells if cell.cell_type == "code"]
    assert code[0].source == "import helpers\nhelpers.setup()"
    tests = [cell for cell in cells if is_test(cell)]
    assert len(tests) >= 3
    previous = None
    for cell in cells:
        if is_test(cell):
            name = nbgrader_id(cell)
            assert cell.source.startswith('"""') and cell.source.split("\n")[0].endswith('"""'), name
            assert cell.metadata["nbgrader"]["points"] > 0, name
            assert "### BEGIN HIDDEN TESTS" in cell.source and "### END HIDDEN TESTS" in cell.source, name
            # nbgrader puts a deleted test back after the nbgrader cell before it, which must be a
            # solution or test cell (nbgrader 0.9 fails on anything else).
            assert previous is not None and (is_solution(previous) or is_test(previous)), name
        if cell.get("metadata", {}).get("nbgrader"):
            previous = cell
    assert any(is_solution(cell) for cell in cells)
