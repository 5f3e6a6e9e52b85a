"""The trial hub in real Chromium: what a student and the instructor see after signing in through the hub's page.

One hub for the module (``hub``, from trial_hub.py): a Spanish-speaking
student and the instructor, real Unix users whose names start with a random
prefix, deleted at the end whatever happens. In Debian's Chromium (Playwright,
as in tests/browser) the student types name and password into the hub's login
form and lands in JupyterLab in Spanish; opens lesson 07 and runs the cells
that show its page, which comes through jupyter-server-proxy at
``/user/<name>/proxy/<port>/`` and lists the time server's pushed messages; fetches and submits a1-sockets with the buttons
of nbgrader's Assignments tab.

The instructor signs in the same way and does the whole assignment with the
formgrader's own buttons, on its own page ``/user/<name>/formgrader`` (the
hub forbids JupyterLab's Formgrader panel, an iframe, to show it):
*Generate* and *Release* of a1-sockets on Manage Assignments, before the
student fetches it; *Collect* once the student has submitted; *Autograde* of the student's submission on
Manage Submissions (with the course's pipeline and sandbox: the instructor's
server reads ``~/course/nbgrader_config.py``), which shows 0 / 4 for the
untouched a1; *Generate Feedback* and *Release Feedback*. The student then
presses *Fetch Feedback* in the Assignments tab: the page lands in their home,
the tab links to its folder, and it shows the score and no hidden test.

Only one thing is set for the test that a real hub does not have: each
person's ``~/.jupyter/jupyter_server_config.json`` exposes JupyterLab's
application object (``window.jupyterapp``, as the browser tests' own server
does), so the steps of tests/browser/labpage.py work unchanged.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys

import nbformat
import pytest
from playwright.sync_api import Page, expect

from trial_hub import REPO, TrialHub, homes

sys.path.insert(0, str(REPO / "tests" / "browser"))
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "tests" / "grading"))
import grading_course  # noqa: E402
from grading_course import page_text, telltale_hidden_lines  # noqa: E402
from course_i18n import jupyterlab_labels  # noqa: E402
from labchromium import CHROMIUM_ARGS, chromium_path  # noqa: E402
from labpage import KERNEL_START_TIMEOUT, assert_no_errors, current_notebook, run_command, wait_all_cells_attached, wait_kernel_idle  # noqa: E402

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0 or sys.platform != "linux", reason="the trial hub makes Unix users: root on Linux only"),
    pytest.mark.timeout(300),  # the module's hub is built inside the first test
]

LANG = "es"
#: The language the instructor grades in (TrialHub.start's --lang): the released a1, its hidden tests, the feedback page.
GRADING_LANG = grading_course.LANG
LESSON = f"{homes.LESSONS.as_posix()}/notebooks/{LANG}/07-websockets.ipynb"
#: What a student runs of lesson 07 to see its page: the setup cell, the page's web server, the page's cell.
PAGE_CELLS = ("helpers.setup()", "helpers.http_server(", "IFrame(page_url")
ASSIGNMENT = "a1-sockets"
#: What lesson 07's page says once its WebSocket is open, in the edition's language (its TEXT table).
CONNECTED = re.search(r'connected: "([^"]+)"', (REPO / "notebooks" / LANG / "web" / "ws-page.html").read_text(encoding="utf-8")).group(1)
#: An ISO-8601 timestamp at UTC, as helpers.ws_time_server pushes it.
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")
#: Milliseconds for a step that waits for a server start (a hub spawn on 2 busy cores).
SPAWN_TIMEOUT = 150_000
#: Milliseconds for the answer to one click (browser -> proxy -> server -> kernel and back, on a shared host).
STEP_TIMEOUT = 30_000
#: Milliseconds for a formgrader button that runs notebooks (Autograde: a sandboxed kernel; Generate Feedback).
GRADE_TIMEOUT = 150_000

#: Written into each person's home before the first start: window.jupyterapp for labpage's steps.
EXPOSE_APP = r"""
import json, os
os.umask(0o077)
folder = os.path.join(os.path.expanduser("~"), ".jupyter")
os.makedirs(folder, exist_ok=True)
with open(os.path.join(folder, "jupyter_server_config.json"), "w") as handle:
    json.dump({"LabApp": {"expose_app_in_browser": True}}, handle)
"""


@pytest.fixture(scope="module")
def hub():
    """A started hub with one Spanish-speaking student and the instructor, removed at the end whatever happens."""
    prefix = f"zzhubb{secrets.token_hex(2)}"
    trial = TrialHub.create(prefix)
    try:
        trial.start()
        trial.add_students({f"{prefix}-s1": LANG})
        trial.student = f"{prefix}-s1"
        for name in (trial.student, trial.instructor):
            trial.run_as(name, sys.executable, "-I", "-c", EXPOSE_APP)
        yield trial
    finally:
        trial.cleanup()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (as in tests/browser/conftest.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(browser, hub: TrialHub, name: str, locale: str = "en-US") -> Page:
    """A fresh browser that types ``name`` and the password into the hub's login form, then waits for JupyterLab."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
    context.set_default_timeout(STEP_TIMEOUT)
    context.set_default_navigation_timeout(SPAWN_TIMEOUT)  # JupyterLab's page on 2 cores that others use too
    page = context.new_page()
    page.goto(hub.url + "hub/login")
    page.locator("#username_input").fill(name)
    page.locator("#password_input").fill(hub.passwords()[name])
    page.locator("#login_submit").click()
    # The hub starts the server (its spawn page) and then sends the browser to the server's JupyterLab.
    page.wait_for_url(re.compile(rf"/user/{re.escape(name)}/lab"), timeout=SPAWN_TIMEOUT)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands", timeout=SPAWN_TIMEOUT)
    expect(page.locator("#jp-menu-panel .lm-MenuBar-item").first).to_be_visible(timeout=SPAWN_TIMEOUT)
    return page


@pytest.fixture(scope="module")
def student(browser, hub) -> Page:
    """The student's browser, signed in through the login form, showing the JupyterLab the hub opened."""
    page = sign_in(browser, hub, hub.student, locale="es-ES")
    yield page
    page.context.close()


#: Select (and scroll to) the first code cell whose source holds the mark, run it (Ctrl+Enter's command).
_RUN_CELL_JS = """
async ([path, mark]) => {
  const widget = [...window.jupyterapp.shell.widgets('main')].find((w) => w.context && w.context.path === path);
  window.jupyterapp.shell.activateById(widget.id);
  const notebook = widget.content;
  const cells = [...Array(notebook.model.cells.length).keys()].map((i) => notebook.model.cells.get(i));
  const index = cells.findIndex((cell) => cell.type === 'code' && cell.sharedModel.getSource().includes(mark));
  if (index < 0) throw new Error('no code cell holds ' + mark);
  notebook.activeCellIndex = index;
  await notebook.scrollToItem(index);
  await window.jupyterapp.commands.execute('notebook:run-cell');
  return index;
}
"""

#: True once the cell has an execution count (the clear removed the stored one) and the kernel is idle.
_CELL_RAN_JS = """
([path, index]) => {
  const widget = [...window.jupyterapp.shell.widgets('main')].find((w) => w.context && w.context.path === path);
  const kernel = widget.sessionContext.session && widget.sessionContext.session.kernel;
  return widget.content.model.cells.get(index).executionCount !== null && kernel && kernel.status === 'idle';
}
"""


def run_cells(page: Page, path: str, marks: tuple[str, ...], timeout: float = 120_000) -> None:
    """In the notebook ``path``, clear the stored outputs, then run the first code cell that holds each mark, each to its end.

    Through the notebook's model, not the page: JupyterLab renders only the cells near the view.
    """
    run_command(page, "notebook:clear-all-cell-outputs")
    for mark in marks:
        index = page.evaluate(_RUN_CELL_JS, [path, mark])
        page.wait_for_function(_CELL_RAN_JS, arg=[path, index], timeout=timeout, polling=250)


def assignment_rows(page: Page, section: str):
    return page.locator(f"#{section}_assignments_list > .list_item").filter(has_text=ASSIGNMENT)


@pytest.fixture(scope="module")
def submitted(student, hub, released) -> Page:
    """The student fetched and then submitted a1-sockets (untouched) with the Assignments tab's buttons."""
    run_command(student, "nbgrader:open-assignment-list")
    expect(assignment_rows(student, "released")).to_have_count(1, timeout=STEP_TIMEOUT)
    assignment_rows(student, "released").get_by_role("button", name="Fetch").click()
    fetched = assignment_rows(student, "fetched")
    expect(fetched).to_have_count(1, timeout=60_000)
    fetched.get_by_role("button", name="Submit").click()
    expect(assignment_rows(student, "submitted")).to_have_count(1, timeout=60_000)
    return student


# ---- the student ---------------------------------------------------------------------------------------

def test_a_student_signs_in_and_lands_in_jupyterlab_in_their_language(student, hub):
    """After the login form, the student's JupyterLab shows lesson 00 of their edition and the es pack's menus."""
    assert student.url.endswith(f"/user/{hub.student}/lab/tree/{homes.LESSONS.as_posix()}/notebooks/{LANG}/00-start-here.ipynb")
    # The Run menu (its title is the same word in es) shows its "Run All" item as the es pack translates it.
    title = jupyterlab_labels.translation(jupyterlab_labels.label("Run", "menu"), LANG)
    item = jupyterlab_labels.translation(jupyterlab_labels.label("Run All"), LANG)
    assert item != "Run All", "the es pack should translate Run All"
    student.locator("#jp-menu-panel .lm-MenuBar-item", has_text=re.compile(rf"^{re.escape(title)}$")).click()
    menu = student.locator(".lm-Menu:visible .lm-Menu-itemLabel")
    expect(menu.filter(has_text=re.compile(rf"^{re.escape(item)}$"))).to_have_count(1, timeout=STEP_TIMEOUT)
    assert "Run All" not in [text.strip() for text in menu.all_inner_texts()]
    student.keyboard.press("Escape")


def test_lesson_07s_page_shows_pushed_messages_through_the_users_proxy(student, hub):
    """Lesson 07's page cells run on the hub, and the page they show, through /user/<name>/proxy/<port>/, lists live timestamps."""
    # Opened as from the file browser, in the JupyterLab the student is in (no reload of the page).
    run_command(student, "application:close-all")  # lesson 00, which the hub opened
    run_command(student, "docmanager:open", {"path": LESSON})
    student.wait_for_function("([path]) => window.jupyterapp.shell.currentWidget.context.path === path", arg=[LESSON],
                              timeout=STEP_TIMEOUT)
    expect(current_notebook(student).locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=KERNEL_START_TIMEOUT)
    wait_all_cells_attached(student)
    wait_kernel_idle(student)
    run_cells(student, LESSON, PAGE_CELLS)
    assert_no_errors(student)
    frame_element = student.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output iframe")
    expect(frame_element).to_have_count(1, timeout=STEP_TIMEOUT)
    frame_element.scroll_into_view_if_needed()
    frame = frame_element.content_frame
    expect(frame.locator("#status")).to_have_text(CONNECTED, timeout=STEP_TIMEOUT)
    items = frame.locator("#messages li")
    expect(items.nth(2)).to_have_text(ISO_UTC, timeout=STEP_TIMEOUT)  # one a second: three are live pushes
    for text in items.all_text_contents()[:3]:
        assert ISO_UTC.match(text), text
    # Page and WebSocket both came through the student's own proxy on the hub.
    source = frame_element.get_attribute("src")
    assert re.fullmatch(rf"/user/{re.escape(hub.student)}/proxy/\d+/ws-page\.html\?ws=/user/{re.escape(hub.student)}/proxy/\d+/", source), source


def test_the_assignments_tab_fetches_and_submits_a1(submitted, hub):
    """The Assignments tab listed a1-sockets as released; Fetch put it in the home, Submit listed it as submitted."""
    row = assignment_rows(submitted, "submitted")
    expect(row.locator(".item_course").first).to_have_text("sockets", timeout=STEP_TIMEOUT)
    for section in ("released", "fetched", "submitted"):
        expect(submitted.locator(f"#{section}_assignments_list_error")).to_be_hidden(timeout=STEP_TIMEOUT)
    fetched = hub.home(hub.student) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert json.loads(fetched.read_text(encoding="utf-8"))["cells"], fetched
    inbound = hub.state.exchange / "sockets" / "inbound"
    assert len(list(inbound.glob(f"{hub.student}+{ASSIGNMENT}+*"))) == 1


# ---- the instructor, with the formgrader's buttons -----------------------------------------------------

@pytest.fixture(scope="module")
def instructor(browser, hub) -> Page:
    """The instructor's browser, signed in through the login form, then on the formgrader's own page (Manage Assignments).

    Its own page, as docs/hub.md says: JupyterLab's Formgrader panel (an iframe) cannot show it on the hub,
    whose servers send ``Content-Security-Policy: frame-ancestors 'none'`` (JupyterHub >= 4.1).
    """
    page = sign_in(browser, hub, hub.instructor)
    page.goto(f"{hub.url}user/{hub.instructor}/formgrader")
    expect(page.locator(".breadcrumb li")).to_have_text(["Assignments"], timeout=STEP_TIMEOUT)
    yield page
    page.context.close()


def assignment_row(page):
    """a1-sockets' row on Manage Assignments."""
    return page.locator("#main-table > tr", has=page.locator("td.name", has_text=re.compile(rf"^\s*{re.escape(ASSIGNMENT)}\s*$")))


def submission_row(page, student: str):
    """The student's row on Manage Submissions."""
    return page.locator("#main-table > tr", has=page.locator("td.student-id", has_text=re.compile(rf"^\s*{re.escape(student)}\s*$")))


def press(page, button, success: str, timeout: float) -> str:
    """Click a formgrader button, wait for nbgrader's answer (its Success or Error dialog), close it; return what it said.

    The dialog holds the log of the nbgrader command the button ran; an Error dialog fails the test with it.
    """
    button.click()
    dialog = page.locator("#success-modal, #error-modal")
    expect(dialog).to_be_visible(timeout=timeout)
    said = dialog.inner_text()
    assert dialog.get_attribute("id") == "success-modal", said
    assert success in said, said
    dialog.locator(".modal-footer button").click()
    expect(page.locator(".modal, .modal-backdrop")).to_have_count(0, timeout=STEP_TIMEOUT)
    return said


@pytest.fixture(scope="module")
def released(instructor) -> list[str]:
    """On Manage Assignments, the instructor clicked a1-sockets' Generate, then its Release; what the dialogs said."""
    row = assignment_row(instructor)
    expect(row.locator("td.status")).to_have_text("draft", timeout=STEP_TIMEOUT)
    said = [press(instructor, row.locator("td.assign a"), f"Successfully created the student version of '{ASSIGNMENT}'",
                  GRADE_TIMEOUT)]
    said.append(press(instructor, row.locator("td.release a"), f"Successfully released '{ASSIGNMENT}'.", STEP_TIMEOUT))
    return said


@pytest.fixture(scope="module")
def collected(instructor, hub, submitted) -> str:
    """On Manage Assignments, the instructor clicked a1-sockets' Collect once the student had submitted; what the dialog said."""
    row = assignment_row(instructor)
    expect(row.locator("td.status")).to_have_text("released", timeout=STEP_TIMEOUT)
    expect(row.locator("td.num-submissions")).to_have_text("0")
    return press(instructor, row.locator("td.collect a"), f"Successfully collected submissions of '{ASSIGNMENT}'", STEP_TIMEOUT)


@pytest.fixture(scope="module")
def autograded(instructor, hub, collected) -> str:
    """From a1-sockets' number of submissions to Manage Submissions, where the instructor clicked the student's Autograde."""
    assignment_row(instructor).locator("td.num-submissions a").click()
    row = submission_row(instructor, hub.student)
    expect(row.locator("td.status")).to_have_text("needs autograding", timeout=STEP_TIMEOUT)
    return press(instructor, row.locator("td.autograde a"), f"Successfully autograded '{ASSIGNMENT}' for student '{hub.student}'",
                 GRADE_TIMEOUT)


@pytest.fixture(scope="module")
def feedback_released(instructor, autograded) -> list[str]:
    """Back on Manage Assignments, the instructor clicked a1-sockets' Generate Feedback, then its Release Feedback."""
    instructor.locator(".breadcrumb a", has_text="Assignments").click()
    row = assignment_row(instructor)
    return [
        press(instructor, row.locator("td.generate-feedback a"), f"Successfully generated feedback of '{ASSIGNMENT}'", GRADE_TIMEOUT),
        press(instructor, row.locator("td.release-feedback a"), f"Successfully released feedback of '{ASSIGNMENT}'", STEP_TIMEOUT),
    ]


@pytest.fixture(scope="module")
def feedback_fetched(submitted, feedback_released) -> Page:
    """The student clicked Fetch Feedback on the submitted a1-sockets in the Assignments tab (open since the submit)."""
    row = assignment_rows(submitted, "submitted")
    row.get_by_role("button", name="Fetch Feedback").click()
    expect(row.locator(".nested_list_item a", has_text="view feedback")).to_have_count(1, timeout=60_000)
    return submitted


def hidden_test_lines() -> set[str]:
    """a1's hidden-test lines long enough to identify, and found nowhere in the released notebook."""
    release = REPO / "exercises" / GRADING_LANG / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    return telltale_hidden_lines([ASSIGNMENT], "\n".join(cell.source for cell in nbformat.read(release, as_version=4).cells))


def test_the_formgraders_generate_and_release_put_a1_in_the_exchange(released, instructor, hub):
    """Generate then Release on Manage Assignments: a1 is 'released', and the exchange holds it without solutions or hidden tests."""
    expect(assignment_row(instructor).locator("td.status")).to_have_text("released", timeout=STEP_TIMEOUT)
    outbound = hub.state.exchange / "sockets" / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    text = outbound.read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    hidden = hidden_test_lines()
    assert hidden and not [line for line in hidden if line in text]


def test_the_formgrader_collects_the_submission(collected, instructor, hub):
    """Collect on Manage Assignments copies the student's submission into ~/course/submitted and the page counts 1."""
    row = assignment_row(instructor)
    expect(row.locator("td.num-submissions")).to_have_text("1", timeout=STEP_TIMEOUT)
    course = hub.home(hub.instructor) / homes.INSTRUCTOR_COURSE
    assert (course / "submitted" / hub.student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()


def test_the_formgraders_autograde_scores_the_untouched_a1_zero_of_four(autograded, instructor, hub):
    """Autograde on Manage Submissions grades the untouched a1 with the course's pipeline: the row shows graded, 0 / 4."""
    row = submission_row(instructor, hub.student)
    expect(row.locator("td.score")).to_have_text("0 / 4", timeout=STEP_TIMEOUT)
    expect(row.locator("td.status")).to_have_text("graded")
    assert "SANDBOX OFF" not in autograded, autograded  # the course's sandbox was on (tools/course_grading/sandbox.py)
    course = hub.home(hub.instructor) / homes.INSTRUCTOR_COURSE
    assert (course / "autograded" / hub.student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file()


def test_fetch_feedback_brings_the_page_home_with_the_score_and_no_hidden_test(feedback_fetched, hub):
    """Fetch Feedback puts a1's page in the student's home, the tab links to its folder, the page says 0 / 4 and no hidden test."""
    pages = sorted((hub.home(hub.student) / ASSIGNMENT / "feedback").glob("*/*.html"))
    assert [page.name for page in pages] == [f"{ASSIGNMENT}.html"], pages
    text = page_text(pages[0])
    assert re.search(rf"{re.escape(ASSIGNMENT)} \(Score:\s*0(\.0)?\s*/\s*4(\.0)?\)", text), text[:2000]
    assert "HIDDEN TESTS" not in text
    hidden = hidden_test_lines()
    assert len(hidden) >= 10, hidden  # else the check below proves nothing
    leaked = sorted(line for line in hidden if line in text)
    assert not leaked, leaked[:3]
    # The tab's "(view feedback)" link opens the page's folder in the file browser.
    assignment_rows(feedback_fetched, "submitted").locator(".nested_list_item a", has_text="view feedback").click()
    listing = feedback_fetched.locator("#filebrowser .jp-DirListing-item", has_text=f"{ASSIGNMENT}.html")
    expect(listing).to_be_visible(timeout=STEP_TIMEOUT)
