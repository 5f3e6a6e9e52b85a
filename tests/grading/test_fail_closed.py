"""A bad course setting stops every nbgrader command (exit 2, what to fix) before it writes anything.

traitlets logs an exception in ``nbgrader_config.py`` and goes on with
nbgrader's defaults, which publish hidden tests in feedback: these tests run
the guide's own commands on a graded copy of the course and check that a wrong
``COURSE_LANG`` or a raising line stops each of them and leaves every file as
it was.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from grading_course import Course, release_tool, solution_notebook

pytestmark = pytest.mark.timeout(600)

ASSIGNMENT = "a2-tcp-client"
#: The guide's commands, as an instructor types them (docs/instructors.md).
COMMANDS = [
    ("generate_assignment", ASSIGNMENT, "--force"),
    ("release_assignment", ASSIGNMENT),
    ("autograde", ASSIGNMENT, "--force"),
    ("generate_feedback", ASSIGNMENT, "--force"),
    ("export",),
    ("zip_collect", ASSIGNMENT, "--force"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Course:
    """A course copy with a2 released, one reference submission autograded, no feedback yet."""
    course = Course.create(tmp_path_factory.mktemp("fail-closed") / "course")
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    notebook = course.released(ASSIGNMENT)
    reference = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source for cell in solution_notebook(ASSIGNMENT).cells}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = reference[grade_id]
    course.submit("carla", ASSIGNMENT, notebook)
    course.nbgrader("autograde", ASSIGNMENT)
    assert course.autograded_path("carla", ASSIGNMENT).is_file()
    return course


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and modification time (the commands' own logs excluded)."""
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file() and not path.name.endswith(".log") and "__pycache__" not in path.parts
    }


def run(course: Course, lang: str, *args: str) -> subprocess.CompletedProcess:
    """``nbgrader ARGS`` in the course, with COURSE_LANG=lang."""
    return run_command(course, lang, course.command(*args))


def run_command(course: Course, lang: str, command: list[str]) -> subprocess.CompletedProcess:
    """Any command line in the course, with COURSE_LANG=lang (the guide's environment)."""
    return subprocess.run(
        command, cwd=course.root, env=release_tool.nbgrader_environment(lang),
        capture_output=True, text=True, timeout=120,
    )


def run_with_config(course: Course, edit, *args: str) -> tuple[subprocess.CompletedProcess, dict, dict]:
    """Run ``nbgrader ARGS`` with ``edit(text)`` as nbgrader_config.py, then restore it.

    Returns the result and the snapshots before and after (the config file itself left out).
    """
    config = course.root / "nbgrader_config.py"
    original = config.read_text()
    config.write_text(edit(original))
    try:
        before = snapshot(course.root)
        done = run(course, "en", *args)
        after = snapshot(course.root)
    finally:
        config.write_text(original)
    for files in (before, after):
        files.pop("nbgrader_config.py")
    return done, before, after


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_unknown_language_stops_the_command(graded, command):
    """COURSE_LANG=de stops the command with exit 2 and the list of languages; no file changes."""
    before = snapshot(graded.root)
    done = run(graded, "de", *command)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "COURSE_LANG='de' is not a language of the course" in done.stderr
    assert "en, es, fr, id, zh-TW" in done.stderr
    assert snapshot(graded.root) == before
    assert not (graded.root / "feedback").exists()


def test_a_raising_line_added_by_the_instructor_stops_the_command(graded):
    """A line appended below the course's block that raises stops generate_feedback (exit 2, the error shown)."""
    done, before, after = run_with_config(
        graded, lambda text: text + "\nc.Execute.timeout = CELL_TIMEOUTS  # a typo\n", "generate_feedback", ASSIGNMENT, "--force")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "NameError: name 'CELL_TIMEOUTS' is not defined" in done.stderr
    assert "Stopped before anything was written" in done.stderr
    assert after == before
    assert not (graded.root / "feedback").exists()


def test_an_error_inside_the_course_configuration_stops_the_command(graded):
    """An exception inside the course's own settings block (a missing package here) stops autograde with exit 2."""
    done, _before, _after = run_with_config(
        graded, lambda text: text.replace("    c = get_config()", "    import course_package_that_is_not_installed\n    c = get_config()", 1),
        "autograde", ASSIGNMENT, "--force")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "ModuleNotFoundError: No module named 'course_package_that_is_not_installed'" in done.stderr


def test_a_good_language_still_works(graded):
    """The same command with COURSE_LANG=en writes the feedback page (the stops above are not a broken setup)."""
    done = run(graded, "en", "generate_feedback", ASSIGNMENT, "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    page = graded.root / "feedback" / "carla" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert page.is_file()
    shutil.rmtree(graded.root / "feedback")  # the other tests expect no feedback folder


def test_a_syntax_error_in_the_config_stops_the_command(graded):
    """A syntax error in nbgrader_config.py stops autograde (exit 2): tools/course's guard in the venv loads first."""
    done, before, after = run_with_config(graded, lambda text: text + "\nc.Execute.timeout = (\n", "autograde", ASSIGNMENT, "--force")
    assert done.returncode == 2, "is the guard missing? run `bash tools/course setup`\n" + done.stdout + done.stderr
    assert "SyntaxError" in done.stderr and "Stopped before anything was written" in done.stderr
    assert after == before


FORMGRADER_FEEDBACK = """
from nbgrader.apps import NbGraderAPI
from nbgrader.apps.baseapp import NbGrader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory

app = NbGrader()
app.initialize([])
app.load_config_file()  # as the formgrader's handlers do before each call
api = NbGraderAPI(CourseDirectory(parent=app), Authenticator(parent=app), parent=app)
result = api.generate_feedback("a2-tcp-client", "carla")
assert result["success"], result
"""


def test_formgrader_feedback_button_uses_the_course_page(graded):
    """nbgrader's API call behind the formgrader's Generate Feedback button writes the course's page (<html lang>), not nbgrader's."""
    import sys

    done = run_command(graded, "en", [sys.executable, "-c", FORMGRADER_FEEDBACK])
    assert done.returncode == 0, done.stdout + done.stderr
    page = graded.root / "feedback" / "carla" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    try:
        assert '<html lang="en">' in page.read_text(encoding="utf-8")
    finally:
        shutil.rmtree(graded.root / "feedback")  # the other tests expect no feedback folder
