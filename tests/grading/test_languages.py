"""An assignment is graded in the language it was registered in, or refused (tools/course_grading/languages.py).

On a temporary copy of the course, a2 is registered in English and a Spanish
student's notebook is submitted; grading it with COURSE_LANG=es would put the
English tests back into the Spanish notebook and report every test cell as
tampered. Both ways of grading must refuse and say which language to use.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest
from grading_course import REPO, Course, release_tool
from grading_package import load_grading

pytestmark = pytest.mark.timeout(600)

ASSIGNMENT = "a2-tcp-client"
languages = load_grading().languages


@pytest.fixture(scope="module")
def registered_in_english(tmp_path_factory) -> Course:
    course = Course.create(tmp_path_factory.mktemp("languages") / "course")
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")  # COURSE_LANG=en
    spanish = nbformat.read(REPO / "exercises" / "es" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    course.submit("1201", ASSIGNMENT, spanish)
    return course


def run(course: Course, lang: str, *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), cwd=course.root, env=release_tool.nbgrader_environment(lang),
                          capture_output=True, text=True, timeout=300)


def test_the_gradebook_knows_the_registered_language(registered_in_english):
    """registered_language reads 'en' from the gradebook's copy of a2's test cells."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{registered_in_english.root / 'gradebook.db'}") as gradebook:
        assert languages.registered_language(gradebook, ASSIGNMENT, registered_in_english.root) == "en"
        assert languages.registered_language(gradebook, "a4-udp", registered_in_english.root) is None


def test_parallel_grader_refuses_another_language(registered_in_english):
    """tools/course grade with COURSE_LANG=es stops (exit 2) naming the registered language and the fix; nothing is graded."""
    course = registered_in_english
    done = run(course, "es", sys.executable, str(course.root / "tools" / "course_grading"), "grade", ASSIGNMENT)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "registered in the gradebook in 'en'" in done.stderr
    assert f"COURSE_LANG=es nbgrader generate_assignment {ASSIGNMENT} --force" in done.stderr
    assert not course.autograded_path("1201", ASSIGNMENT).exists()
    assert not (course.root / "tampering.csv").exists()


def test_nbgrader_autograde_refuses_another_language(registered_in_english):
    """nbgrader autograde with COURSE_LANG=es fails that submission with the same message, and writes no tampering report."""
    course = registered_in_english
    done = run(course, "es", *course.command("autograde", ASSIGNMENT))
    assert done.returncode != 0
    assert "registered in the gradebook in 'en'" in done.stdout + done.stderr
    assert not course.autograded_path("1201", ASSIGNMENT).exists()
    assert not (course.root / "tampering.csv").exists()
