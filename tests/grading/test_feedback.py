"""Feedback never shows hidden tests: neither their source nor their tracebacks (nbgrader issue 917)."""

from __future__ import annotations

import base64
import html
import re

import nbformat
import pytest
from grading_course import ASSIGNMENTS, page_text, telltale_hidden_lines
from grading_submissions import MISTAKES

# The shared grading run (conftest.py) takes two to three minutes; pytest's default limit is 300 s.
pytestmark = pytest.mark.timeout(900)


def secret_lines(course) -> set[str]:
    """Hidden-test lines long enough to identify, that appear nowhere (not even inside a line) in the releases."""
    released = "\n".join(
        cell.source for name in ASSIGNMENTS for cell in nbformat.read(course.release_path(name), as_version=4).cells
    )
    return telltale_hidden_lines(ASSIGNMENTS, released)


def test_autograded_notebooks_keep_hidden_tests(grading_run):
    """The instructor's autograded notebooks do contain the hidden tests, so the feedback check below can fail."""
    course = grading_run.courses[1]
    text = course.autograded_path("reference-a2-tcp-client", "a2-tcp-client").read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" in text


def test_feedback_never_shows_hidden_tests(grading_run):
    """No feedback page contains a hidden-test line or marker, for any submission."""
    secrets = secret_lines(grading_run.courses[0])
    assert len(secrets) > 50
    files = grading_run.feedback_files()
    assert len(files) == len(grading_run.cases)
    for path in files:
        text = page_text(path)
        assert "HIDDEN TESTS" not in text, path
        # A hidden line may also be a line of the student's own code (`while chunk := sock.recv(...)`).
        student, assignment = path.parts[-3], path.parts[-2]
        submitted = nbformat.read(path.parents[3] / "submitted" / student / assignment / f"{assignment}.ipynb", as_version=4)
        own = "\n".join(cell.source for cell in submitted.cells)
        leaked = sorted(line for line in secrets if line in text and line not in own)
        assert not leaked, f"{path}: {leaked[:3]}"


def test_hidden_failure_is_summarised(grading_run):
    """A failure inside the hidden tests shows one sentence, without the traceback or the assertion."""
    case = next(case for case in MISTAKES if case.student == "a3-single-recv")
    course = grading_run.course_of(case)
    text = page_text(course.root / "feedback" / case.student / case.assignment / f"{case.assignment}.html")
    assert "A hidden test failed" in text
    assert "Traceback" not in text.split("handle_echo_returns_byte_count", 1)[1].split("Grade cell", 1)[0]


def test_visible_failure_keeps_its_message(grading_run):
    """A failing visible test keeps its assertion message, so the student learns what went wrong."""
    case = next(case for case in MISTAKES if case.student == "a1-str-names")
    course = grading_run.course_of(case)
    text = page_text(course.root / "feedback" / case.student / case.assignment / f"{case.assignment}.html")
    assert "AssertionError: got ('" in text  # the visible assertion's own message


def test_english_feedback_page_uses_the_course_template(grading_run):
    """The English feedback page comes from the course's template: <html lang="en"> and nbgrader's English labels."""
    page = grading_run.feedback_files()[0].read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "Score:" in page and "(Top)" in page


def feedback_cell_text(case, grading_run, grade_id: str) -> tuple[str, str]:
    """(raw HTML, visible text) of one test cell's part of a feedback page: from its anchor to the next cell's."""
    course = grading_run.course_of(case)
    page = (course.root / "feedback" / case.student / case.assignment / f"{case.assignment}.html").read_text(encoding="utf-8")
    part = page.split(f'<a name="{grade_id}"></a>', 1)[1].split('<a name="', 1)[0]
    return part, html.unescape(re.sub(r"<[^>]+>", "", part))


def test_visible_failure_shows_the_exchange(grading_run):
    """A client that never half-closes fails a visible test; its feedback shows the exchange's diagram and summary."""
    case = next(case for case in MISTAKES if case.student == "a2-no-half-close")
    part, text = feedback_cell_text(case, grading_run, "echo_roundtrip_returns_every_byte")
    # nbconvert embeds the SVG as an <img> with a base64 data URI.
    (encoded,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', part)
    svg = base64.b64decode(encoded).decode("utf-8")
    assert svg.startswith("<svg") and "4 bytes b&#x27;ping&#x27;" in svg.replace("'", "&#x27;") and "never half-closed" in svg
    assert "The exchange (shown above): Your client sent 4 bytes and never half-closed" in text
    assert text.count("TimeoutError: timed out") == 1


def test_hidden_failure_shows_no_exchange(grading_run):
    """A failure inside the hidden tests shows no diagram: it would draw the hidden test's own exchange."""
    case = next(case for case in MISTAKES if case.student == "a3-single-recv")
    part, text = feedback_cell_text(case, grading_run, "handle_echo_returns_byte_count")
    assert "A hidden test failed" in text
    assert "image/svg+xml" not in part and "The exchange (shown above)" not in text


def test_websocket_failure_shows_the_exchange(grading_run):
    """A client that collects one message too many fails a visible a6 test; its feedback draws the WebSocket exchange."""
    case = next(case for case in MISTAKES if case.student == "a6-off-by-one")
    part, text = feedback_cell_text(case, grading_run, "collect_messages_returns_first_messages")
    (encoded,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', part)
    svg = base64.b64decode(encoded).decode("utf-8")
    assert svg.startswith("<svg") and "101 Switching Protocols" in svg
    assert "The exchange (shown above): WebSocket handshake for / accepted (101); the server pushed" in text
    assert text.count("AssertionError: got [") == 1


def test_deadlock_failure_says_what_happened(grading_run):
    """A client that sends 8 MB before reading fails the visible megabytes test; feedback names the deadlock, not only the reset."""
    case = next(case for case in MISTAKES if case.student == "a2-send-then-read")
    part, text = feedback_cell_text(case, grading_run, "echo_roundtrip_handles_megabytes")
    (encoded,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', part)
    svg = base64.b64decode(encoded).decode("utf-8")
    assert "test server" in svg and "while sending" in svg
    assert "without reading the replies" in text and "the server gave up after 2 s" in text  # 2/3 of the 3 s grading timeout


def test_sequential_server_failure_shows_the_waiting_client(grading_run):
    """A server that serves one client at a time fails a9's visible test; feedback draws the client that waited in vain."""
    case = next(case for case in MISTAKES if case.student == "a9-one-at-a-time")
    part, text = feedback_cell_text(case, grading_run, "serve_clients_answers_everyone_at_once")
    (encoded,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', part)
    svg = base64.b64decode(encoded).decode("utf-8")
    assert "your server" in svg and "timeout after 2 s" in svg
    assert "then waited 2 s: your server sent nothing back" in text
    assert "is your server busy with one client at a time?" in text
