"""Every English lesson, run in JupyterLab in Chromium as a student runs it.

Per lesson: open it, clear the stored outputs, Run All, wait until every code
cell has its execution count and the kernel is idle, then check that no cell
shows an error and that each cell that stores a widget shows a real widget
(not its text fallback). Lessons with interactive widgets are then used:
every quiz is answered, the socket stepper walked, the echo widget sent a
message, and the WebSocket page of lesson 07 must list pushed messages, both
directly and through jupyter-server-proxy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from labpaths import ROOT, VIEWS
from labpage import assert_no_errors, code_cells, open_notebook, run_all_fresh, run_command
from labwidgets import answer_quiz, is_quiz, quiz_answers, start_stepper_over, use_echo_widget, walk_stepper, widget_cell, widget_views

LESSONS = sorted((ROOT / "notebooks" / "en").glob("*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def stored_cells_with(path: Path, mime: str) -> list[int]:
    """Indexes of the cells whose stored outputs hold data of type ``mime``."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and any(mime in output.get("data", {}) for output in cell.get("outputs", []))
    ]


def cell_source(path: Path, index: int) -> str:
    """The stored source of cell ``index``."""
    source = json.loads(path.read_text(encoding="utf-8"))["cells"][index]["source"]
    return source if isinstance(source, str) else "".join(source)


def stored_cell_containing(path: Path, text: str) -> int:
    """Index of the first code cell whose source contains ``text``."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code" and text in "".join(cell["source"]):
            return index
    raise LookupError(f"no code cell of {path.name} contains {text!r}")


def save_view(page: Page, stem: str, cell_index: int | None) -> None:
    """Keep a screenshot of what a student sees (at the first widget, if any) for review."""
    VIEWS.mkdir(parents=True, exist_ok=True)
    if cell_index is not None:
        widget_cell(page, cell_index).scroll_into_view_if_needed()
    page.screenshot(path=VIEWS / f"{stem}.png")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_lesson_runs_cleanly_and_its_widgets_work(page, lab, lesson):
    """Run All finishes without error output, widgets render as widgets, and they respond to clicks."""
    relative = lesson.relative_to(ROOT).as_posix()
    open_notebook(page, lab, relative)
    run_all_fresh(page)
    assert_no_errors(page)

    counts = [prompt.strip() for prompt in code_cells(page).locator(".jp-InputArea-prompt").all_text_contents()]
    assert counts == [f"[{number}]:" for number in range(1, len(counts) + 1)], "cells did not run once each, in order"

    widget_indexes = stored_cells_with(lesson, WIDGET_MIME)
    for index in widget_indexes:
        cell = widget_cell(page, index)
        expect(widget_views(cell).first).to_be_visible()
        expect(cell.locator(".jp-OutputArea-output", has_text="Error displaying widget")).to_have_count(0)
    for index in stored_cells_with(lesson, "image/png"):  # e.g. lesson 09's latency plot
        image = widget_cell(page, index).locator(".jp-RenderedImage img").first
        expect(image).to_be_attached()
        page.wait_for_function("img => img.complete && img.naturalWidth > 100", arg=image.element_handle(), timeout=15_000)

    for index in widget_indexes:
        cell = widget_cell(page, index)
        if is_quiz(cell):
            answer_quiz(cell, quiz_answers(cell_source(lesson, index)))
    extra = LESSON_CHECKS.get(lesson.stem)
    if extra is not None:
        extra(page, lab, lesson)
    save_view(page, lesson.stem, widget_indexes[-1] if widget_indexes else None)


def check_stepper(page: Page, lab, lesson: Path) -> None:
    """The socket stepper of lesson 02 walks through every call and starts over."""
    index = stored_cell_containing(lesson, "SocketStepper(")
    cell = widget_cell(page, index)
    assert walk_stepper(cell) >= 10
    save_view(page, lesson.stem + "-stepper-done", index)
    start_stepper_over(cell)


def check_echo_widget(page: Page, lab, lesson: Path) -> None:
    """Lesson 04's echo widget: a hint once the lesson stopped its server, echoes once it runs again."""
    index = stored_cell_containing(lesson, "EchoWidget(")
    cell = widget_cell(page, index)
    # The lesson ends by stopping the echo server: Send then explains the refused connection.
    cell.locator(".widget-text input").fill("anyone there?")
    cell.locator("button.widget-button", has_text="Send").click()
    expect(cell.locator(".widget-output")).to_contain_text("ConnectionRefusedError")
    expect(cell.locator(".widget-output")).to_contain_text("nothing is listening")
    # A student scrolls back, starts the server again and re-runs the widget's cell.
    rerun_cell(page, stored_cell_containing(lesson, "srv = helpers.echo_server()"))
    rerun_cell(page, index)
    use_echo_widget(cell, "hello from the browser")
    use_echo_widget(cell, "héllo, 你好 ✓")
    save_view(page, lesson.stem + "-echo-widget", index)


def check_websocket_page(page: Page, lab, lesson: Path) -> None:
    """Lesson 07's embedded page lists pushed times, directly and (as on JupyterHub) through the proxy."""
    index = stored_cell_containing(lesson, "IFrame(")
    cell = widget_cell(page, index)
    cell.scroll_into_view_if_needed()
    frame = cell.frame_locator("iframe")
    expect(frame.locator("#status")).to_have_text("connected")
    expect(frame.locator("#messages li").nth(2)).to_have_text(ISO_UTC, timeout=15_000)
    assert cell.locator("iframe").get_attribute("src").startswith("http://127.0.0.1:")

    # As on JupyterHub or Binder: the kernel sees a service prefix, the cell builds proxy paths.
    # The test server's base URL is "/", so the prefix is "/".
    page.evaluate(
        """async () => {
          const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
          await kernel.requestExecute({code: "import os; os.environ['JUPYTERHUB_SERVICE_PREFIX'] = '/'", silent: true}).done;
        }"""
    )
    rerun_cell(page, index)
    expect(cell.locator("iframe")).to_have_attribute("src", re.compile(r"^/proxy/\d+/ws-page\.html\?ws=/proxy/\d+/$"))
    expect(frame.locator("#status")).to_have_text("connected")
    expect(frame.locator("#messages li").nth(2)).to_have_text(ISO_UTC, timeout=15_000)
    save_view(page, lesson.stem + "-proxied-page", index)


def check_tls_lesson(page: Page, lab, lesson: Path) -> None:
    """Lesson 11 in the browser: the three refusals show their codes and the self-check passes."""
    refusals = widget_cell(page, stored_cell_containing(lesson, "for kind in (\"unknown-authority\""))
    for code in ("code 20", "code 62", "code 10"):
        expect(refusals.locator(".jp-OutputArea-output")).to_contain_text(code)
    check = widget_cell(page, stored_cell_containing(lesson, "assert refusals =="))
    expect(check.locator(".jp-OutputArea-output")).to_contain_text("All checks passed.")


#: An ISO-8601 timestamp at UTC, as helpers.ws_time_server pushes it.
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")


def rerun_cell(page: Page, index: int) -> None:
    """Select cell ``index`` of the notebook in front and run it again; wait for its new count."""
    prompt = widget_cell(page, index).locator(".jp-InputArea-prompt")
    before = prompt.inner_text().strip()
    page.evaluate(
        "([index]) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = index; }", [index]
    )
    run_command(page, "notebook:run-cell")
    expect(prompt).not_to_have_text(before)
    expect(prompt).to_have_text(re.compile(r"^\[\d+\]:$"))


LESSON_CHECKS = {
    "02-socket-methods": check_stepper,
    "04-tcp": check_echo_widget,
    "07-websockets": check_websocket_page,
    "11-tls": check_tls_lesson,
}
