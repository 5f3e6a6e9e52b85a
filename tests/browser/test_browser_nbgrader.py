"""nbgrader in JupyterLab: the assignment list, the formgrader, and a student's Validate.

The test server runs from the course copy's root, so the formgrader reads the
course's nbgrader_config.py; its exchange is a temporary folder where the
``exchange`` fixture released a1-sockets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from labpaths import RELEASED_ASSIGNMENT, ROOT
from labpage import assert_no_errors, code_cells, open_notebook, run_all_fresh, run_command, set_cell_source

EXERCISE = f"exercises/en/{RELEASED_ASSIGNMENT}/{RELEASED_ASSIGNMENT}.ipynb"
SOLUTION = ROOT / "solutions" / "en" / RELEASED_ASSIGNMENT / f"{RELEASED_ASSIGNMENT}.ipynb"
ASSIGNMENTS = sorted(path.name for path in (ROOT / "solutions" / "en").iterdir() if path.is_dir())

pytestmark = pytest.mark.skipif(not SOLUTION.exists(), reason=f"{SOLUTION.relative_to(ROOT)} is not written yet")


def open_lab(page: Page, lab) -> None:
    """Open JupyterLab itself (no document) and wait for its application object."""
    page.goto(lab.url("lab", reset=""))
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=60_000)
    expect(page.locator("#jp-main-dock-panel")).to_be_visible()


def current_tab_label(page: Page):
    return page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")


def test_assignment_list_shows_the_released_assignment(page, lab):
    """The Assignments panel loads without error and lists a1-sockets as released for the course."""
    open_lab(page, lab)
    run_command(page, "nbgrader:open-assignment-list")
    expect(current_tab_label(page)).to_have_text("Assignments")
    rows = page.locator("#released_assignments_list > .list_item")
    expect(rows.filter(has_text=RELEASED_ASSIGNMENT)).to_have_count(1)
    expect(rows.first.locator(".item_course")).to_have_text("sockets")
    for section in ("released", "fetched", "submitted"):
        expect(page.locator(f"#{section}_assignments_list_error")).to_be_hidden()
        expect(page.locator(f"#{section}_assignments_list_loading")).to_be_hidden()


def test_formgrader_lists_every_assignment_of_the_course(page, lab):
    """The Formgrader panel loads the course's nbgrader_config.py and lists every source assignment."""
    open_lab(page, lab)
    run_command(page, "nbgrader:open-formgrader")
    expect(current_tab_label(page)).to_have_text("Formgrader")
    frame = page.frame_locator("#jp-main-dock-panel iframe")
    expect(frame.locator(".breadcrumb li")).to_have_text(["Assignments"])
    names = frame.locator("td.name")
    expect(names).to_have_count(len(ASSIGNMENTS), timeout=30_000)
    assert sorted(name.strip() for name in names.all_text_contents()) == ASSIGNMENTS
    expect(frame.locator("#error-modal")).to_be_hidden()


def solution_sources(path: Path) -> dict[str, str]:
    """grade_id -> what a student would write: the solution cell without nbgrader's markers."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    sources = {}
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution"):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            lines = [line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            sources[meta["grade_id"]] = "\n".join(lines)
    return sources


def cell_index_by_grade_id(path: Path) -> dict[str, int]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return {
        cell["metadata"]["nbgrader"]["grade_id"]: index
        for index, cell in enumerate(notebook["cells"])
        if "grade_id" in cell.get("metadata", {}).get("nbgrader", {})
    }


def click_validate(page: Page) -> None:
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").click()


def test_student_fills_an_exercise_runs_the_tests_and_validates(page, lab, course_copy):
    """Validate fails on the untouched exercise; with the answers typed in, the tests pass and Validate succeeds."""
    open_notebook(page, lab, EXERCISE)

    click_validate(page)
    failed = page.locator(".nbgrader-ErrorDialog")
    expect(failed).to_be_visible(timeout=90_000)
    expect(failed.locator(".validation-failed")).to_be_visible()
    failed.locator("button.jp-Dialog-button").click()
    expect(failed).to_be_hidden()

    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
    indexes = cell_index_by_grade_id(course_copy / EXERCISE)
    for grade_id, source in solution_sources(SOLUTION).items():
        set_cell_source(page, cells.nth(indexes[grade_id]), source)

    run_all_fresh(page)
    assert_no_errors(page)  # the visible tests pass
    assert code_cells(page).count() >= 4

    click_validate(page)
    success = page.locator(".nbgrader-SuccessDialog")
    expect(success).to_be_visible(timeout=90_000)
    expect(success).to_contain_text(re.compile(r"Success! Your notebook passes all the tests\."))
    success.locator("button.jp-Dialog-button").click()
    saved = json.loads((course_copy / EXERCISE).read_text(encoding="utf-8"))
    code = "".join("".join(cell["source"]) for cell in saved["cells"] if cell["cell_type"] == "code")
    assert "raise NotImplementedError()" not in code, "Validate should have saved the answers first"
