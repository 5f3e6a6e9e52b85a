"""Fixtures for the browser tests: one JupyterLab server and one Chromium per session.

- ``course_copy``: a temporary copy of the course, so outputs, saved
  notebooks and nbgrader's database never reach the repository.
- ``lab``: JupyterLab serving that copy (``labserver.LabServer``), with an
  nbgrader exchange in a temporary folder and a1-sockets released into it.
- ``browser``: Debian's Chromium under Playwright (no browser download).
- ``new_context``: browser contexts for one test; when the test fails, each
  page's screenshot, the browser console and the server log's end go to
  test-artifacts/browser/failures/.
- ``page``: a page in a fresh context, logged in to ``lab``; afterwards the
  test's kernels are shut down.

Run only these tests with ``.venv/bin/pytest tests/browser``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from labchromium import CHROMIUM_ARGS, chromium_path
from labpaths import ARTIFACTS, FAILURES, RELEASED_ASSIGNMENT, ROOT
from labserver import LabServer

# A click's answer travels browser -> server -> kernel and back; on 2 busy cores that can
# take longer than Playwright's default 5 s.
expect.set_options(timeout=15_000)

#: What the course copy leaves out: git, the venv, caches, and nbgrader's grading data.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "test-artifacts", "__pycache__", ".ipynb_checkpoints", "*.egg-info",
    ".pytest_cache", "submitted", "autograded", "feedback", "release", "gradebook.db",
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session", autouse=True)
def fresh_artifacts():
    """Start each session with an empty test-artifacts/browser/ (gitignored)."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory) -> Path:
    """A temporary copy of the course (lessons, exercises, solutions, nbgrader config)."""
    target = tmp_path_factory.mktemp("course") / "course"
    shutil.copytree(ROOT, target, ignore=COPY_IGNORE, symlinks=True)
    return target


@pytest.fixture(scope="session")
def exchange(tmp_path_factory, course_copy) -> Path:
    """An nbgrader exchange folder with a1-sockets released into it (when the exercise exists)."""
    root = tmp_path_factory.mktemp("exchange")
    if (course_copy / "exercises" / "en" / RELEASED_ASSIGNMENT).is_dir():
        # Released with the course's own configuration, as an instructor would.
        result = subprocess.run(
            [sys.executable, "-m", "nbgrader", "release_assignment", RELEASED_ASSIGNMENT,
             f"--Exchange.root={root}", "--force"],
            cwd=course_copy, capture_output=True, text=True, timeout=120,
            env={
                **os.environ,
                "COURSE_LANG": "en",
                # nbgrader runs `alembic` by name: this venv's scripts go first on PATH.
                "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            },
        )
        assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture(scope="session")
def lab(tmp_path_factory, course_copy, exchange):
    """JupyterLab serving the course copy on 127.0.0.1, a free port and a random token."""
    state = tmp_path_factory.mktemp("jupyter")
    server = LabServer(course_copy, state)
    config_dir = Path(server.environment()["JUPYTER_CONFIG_DIR"])
    # nbgrader's assignment list reads nbgrader_config.py from the Jupyter config path.
    (config_dir / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n", encoding="utf-8"
    )
    server.start()
    yield server
    server.stop()
    if FAILURES.is_dir():
        shutil.copy(server.log_path, FAILURES / "jupyterlab.log")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never Playwright's own download).

    One per test module, not per session: Playwright's sync API keeps an asyncio
    loop running in this thread, and later tests that call asyncio.run() would fail.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(request, browser):
    """Make browser contexts; on failure every page of them is saved, then they are closed.

    Typical use::

        page = new_context().new_page()
    """
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1366, "height": 900})
        options.setdefault("locale", "en-US")
        context = browser.new_context(**options)
        context.set_default_timeout(30_000)
        context.console = []
        context.on("console", lambda message: context.console.append(f"{message.type}: {message.text}"))
        context.on("weberror", lambda error: context.console.append(f"pageerror: {error.error}"))
        contexts.append(context)
        return context

    yield make
    call = getattr(request.node, "rep_call", None)
    for number, context in enumerate(contexts):
        if call is not None and call.failed:
            save_failure(request.node, context, number, getattr(request.node, "lab_for_log", None))
        context.close()


@pytest.fixture
def page(request, new_context, lab):
    """A page logged in to the test JupyterLab; its kernels are shut down after the test."""
    request.node.lab_for_log = lab
    tab = new_context().new_page()
    # The token in a URL logs the browser in: JupyterLab sets its login cookie.
    response = tab.goto(lab.url("api/me"))
    assert response is not None and response.ok, "cannot log in to the test JupyterLab"
    yield tab
    lab.shutdown_kernels()


def save_failure(node, context, number, lab) -> None:
    """Screenshots of the context's pages, the browser console and the server log's tail."""
    FAILURES.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", node.nodeid.split("::", 1)[-1]) + f"-{number}"
    for index, open_page in enumerate(context.pages):
        try:
            open_page.screenshot(path=FAILURES / f"{stem}-page{index}.png", timeout=10_000)
        except Exception as exc:  # a crashed page must not hide the test's own failure
            context.console.append(f"screenshot failed: {exc}")
    text = "browser console:\n" + "\n".join(context.console[-200:])
    if lab is not None:
        text += "\n\nserver log (end):\n" + lab.log_tail(200)
    (FAILURES / f"{stem}.txt").write_text(text, encoding="utf-8")
