"""nbgrader round trip on the Spanish exercises: release, autograde, feedback, all with COURSE_LANG=es.

Reuses the grading tests' course copy and submissions (tests/grading/): the
Spanish release is graded with the real nbgrader CLI, in one batch.
"""

from __future__ import annotations

import html
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

GRADING_TESTS = Path(__file__).resolve().parents[1] / "grading"
sys.path.insert(0, str(GRADING_TESTS))

from grading_course import ASSIGNMENTS, Course, Running, release_tool  # noqa: E402
from grading_submissions import MISTAKES, reference  # noqa: E402

import helpers  # noqa: E402
from helpers.messages import _, get_language, set_language  # noqa: E402

LANG = "es"
#: Two known mistakes whose failing tests are hidden or visible, to check a wrong answer scores less.
WRONG = [case for case in MISTAKES if case.student in ("a1-udp-is-tcp", "a8-little-endian")]

pytestmark = pytest.mark.skipif(
    not (Path(__file__).resolve().parents[2] / "solutions" / LANG).is_dir(), reason="no Spanish edition built"
)


#: Visible-test failures of the WRONG cases: (student, English message id, its values).
VISIBLE_FAILURES = [
    ("a1-udp-is-tcp", "expected type SOCK_DGRAM, got {kind!r}", {"kind": socket.SOCK_STREAM}),
    ("a8-little-endian", "the bytes on the wire were {raw!r}", {"raw": b"\x05\x00\x00\x00hello"}),
]


def spanish(message: str, **values) -> str:
    previous = get_language()
    set_language(LANG)
    try:
        return helpers.translate(message, **values) if values else _(message)
    finally:
        set_language(previous)


def page_text(path: Path) -> str:
    """The visible text of a feedback page: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


@dataclass
class LocalisedCourse(Course):
    """The grading tests' course copy, run with COURSE_LANG set to another language."""

    lang: str = LANG

    def start(self, *args: str, log_name: str) -> Running:
        log = open(self.root / log_name, "w")
        process = subprocess.Popen(
            self.command(*args), cwd=self.root, env=release_tool.nbgrader_environment(self.lang),
            stdout=log, stderr=subprocess.STDOUT, text=True,
        )
        return Running(process, log, self.root / log_name, time.monotonic())

    def release_path(self, assignment: str) -> Path:
        return self.root / "exercises" / self.lang / assignment / f"{assignment}.ipynb"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A Spanish course: every reference solution and two mistakes submitted, autograded, feedback written."""
    course = LocalisedCourse.create(tmp_path_factory.mktemp("grading-es") / "course")
    course.nbgrader("generate_assignment", "*", "--force")
    cases = [reference(name) for name in ASSIGNMENTS] + WRONG
    for case in cases:
        course.submit(case.student, case.assignment, case.build(course.released(case.assignment)))
    course.nbgrader("autograde", "*")
    course.nbgrader("generate_feedback", "*")
    return course, course.scores()


def test_spanish_release_has_spanish_stubs(graded):
    """The released Spanish notebooks carry the Spanish stub and Spanish instructions."""
    course, _scores = graded
    notebook = course.released("a1-sockets")
    sources = "\n".join(cell.source for cell in notebook.cells)
    assert spanish("# YOUR CODE HERE") in sources and "# YOUR CODE HERE" not in sources
    assert "Ejercicio 1" in sources


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_spanish_reference_scores_full_marks(graded, assignment):
    """The reference solution, submitted in the Spanish release, earns every point."""
    _course, scores = graded
    got = scores[(assignment, f"reference-{assignment}")]
    assert {name: score for name, (score, _p, _m) in got.items()} == {name: points for name, (_s, points, _m) in got.items()}


@pytest.mark.parametrize("case", WRONG, ids=[case.student for case in WRONG])
def test_spanish_wrong_solution_scores_less(graded, case):
    """A known mistake loses exactly its tests in the Spanish release too."""
    _course, scores = graded
    got = scores[(case.assignment, case.student)]
    expected = {name: (0.0 if name in case.failing else points) for name, (_s, points, _m) in got.items()}
    assert {name: score for name, (score, _p, _m) in got.items()} == expected
    assert sum(score for score, _p, _m in got.values()) < sum(points for _s, points, _m in got.values())


def test_spanish_feedback_reads_in_spanish(graded):
    """Feedback of a wrong Spanish submission shows the Spanish notes, never the English ones."""
    course, _scores = graded
    pages = {path.parent.parent.name: path.read_text(encoding="utf-8") for path in course.feedback_files()}
    assert set(pages) >= {case.student for case in WRONG}
    for case in WRONG:
        page = pages[case.student]
        assert "Ejercicio" in page
        assert "Escribe tu código donde dice" in page  # the Spanish instructions reached the feedback
        assert "A hidden test failed" not in page and "# YOUR CODE HERE" not in page


@pytest.mark.parametrize(("student", "message", "values"), VISIBLE_FAILURES, ids=[case[0] for case in VISIBLE_FAILURES])
def test_spanish_feedback_shows_spanish_test_message(graded, student, message, values):
    """A failing visible test's assertion message reads in Spanish in the feedback; the English message text is absent."""
    course, _scores = graded
    [path] = [path for path in course.feedback_files() if path.parent.parent.name == student]
    page = page_text(path)
    english = message.format(**values)
    translated = spanish(message, **values)
    assert translated != english, f"no Spanish translation of {message!r} in locale/es/solutions/"
    assert f"AssertionError: {translated}" in page
    assert english not in page  # the cell's source shows only the message id with its {placeholders}
