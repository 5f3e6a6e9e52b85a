"""``tools/course export-grades``: a CSV file Canvas or Moodle imports, without passing missing work off as a grade.

One temporary course, graded once with the real nbgrader: a1 for ana
(reference answer, 4 of 4), ben (the untouched release, a real 0) and cid
(submitted after grading: not graded); dan is on the roster, submitted
nothing and has no e-mail. a2 is released and nobody submitted it. Every
command variant then runs at once, as a subprocess, as ``tools/course`` runs
it; each test reads one run's exit code, message and file.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from grading_course import Course, release_tool
from grading_submissions import reference, untouched

pytestmark = pytest.mark.timeout(600)

A1, A2 = "a1-sockets", "a2-tcp-client"
ROSTER = [  # nbgrader db student import: id, first_name, last_name, email
    ("ana", "Ana", "Lima", "ana@example.edu"),
    ("ben", "Benoît", "Côté", "ben@example.edu"),
    ("cid", "Cid", "Moreno", "cid@example.edu"),
    ("dan", "Dan", "Diaz", ""),
]
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTITY = ["First name", "Last name", "ID number", "Email address"]
BOM = "\ufeff"

#: name -> (course: "main" or "manual", command-line arguments). Every run writes to its own file.
RUNS = {
    "canvas": ("main", ["--format", "canvas"]),
    "canvas-allow": ("main", ["--format", "canvas", "--allow-ungraded"]),
    "canvas-ids": ("main", ["--format", "canvas", "--allow-ungraded", "--id-column", "canvas", "--assignment", A1]),
    "moodle-allow": ("main", ["--format", "moodle", "--allow-ungraded"]),
    "moodle-idnumber": ("main", ["--format", "moodle", "--allow-ungraded", "--id-column", "idnumber"]),
    "bad-format": ("main", ["--format", "blackboard"]),
    "unknown-assignment": ("main", ["--format", "canvas", "--allow-ungraded", "--assignment", A1, "--assignment", "a99-nope"]),
    "keeps-old-file": ("main", ["--format", "canvas"]),  # refused, over a file that exists already
    "manual": ("manual", ["--format", "moodle", "--id-column", "idnumber", "--assignment", A1]),
}
OLD_FILE = "an export from last week\n"


def run_export(course: Course, output: Path, args: list[str]) -> subprocess.CompletedProcess:
    """``tools/course export-grades ARGS --output OUTPUT`` as tools/course runs it (the venv's Python, the package folder)."""
    return subprocess.run(
        [sys.executable, str(course.root / "tools" / "course_grading"), "export-grades", *args, "--output", str(output)],
        cwd=course.root, env=release_tool.nbgrader_environment("en"), capture_output=True, text=True, timeout=300,
    )


def flag_for_manual_grading(course: Course, student: str, assignment: str) -> None:
    """Mark one of the student's grades as waiting for manual grading, as the formgrader would show it."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_submission(assignment, student).notebooks[0].grades[0]
        grade.needs_manual_grade = True
        gradebook.db.commit()


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict:
    """Every run of RUNS on the graded course: {name: (CompletedProcess, output path)}, plus the course."""
    base = tmp_path_factory.mktemp("lms-export")
    course = Course.create(base / "course")
    course.nbgrader("generate_assignment", A1, "--force")
    course.nbgrader("generate_assignment", A2, "--force")
    roster = base / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([("id", "first_name", "last_name", "email"), *ROSTER])
    course.nbgrader("db", "student", "import", str(roster))
    course.submit("ana", A1, reference(A1).build(course.released(A1)))
    course.submit("ben", A1, untouched(A1).build(course.released(A1)))
    course.nbgrader("autograde", A1)
    course.submit("cid", A1, reference(A1).build(course.released(A1)))
    manual = course.clone(base / "manual")
    flag_for_manual_grading(manual, "ana", A1)
    courses = {"main": course, "manual": manual}
    outputs = {name: base / "out" / f"{name}.csv" for name in RUNS}
    outputs["keeps-old-file"].parent.mkdir()
    outputs["keeps-old-file"].write_text(OLD_FILE)
    # Two at a time (two cores): each run is mostly nbgrader's start-up.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(run_export, courses[where], outputs[name], args) for name, (where, args) in RUNS.items()}
        runs = {name: (future.result(), outputs[name]) for name, future in futures.items()}
    return {"runs": runs, "course": course}


def ok(exported: dict, name: str) -> list[list[str]]:
    """The CSV rows of a run that must have succeeded (exit 0), read as the platforms read them (UTF-8, mark removed)."""
    done, output = exported["runs"][name]
    assert done.returncode == 0, done.stderr
    with open(output, newline="", encoding="utf-8-sig") as stream:
        return list(csv.reader(stream))


def refused(exported: dict, name: str) -> str:
    """The message of a run that must have failed, after checking that it wrote no file."""
    done, output = exported["runs"][name]
    assert done.returncode != 0, done.stderr
    assert not output.exists() or name == "keeps-old-file"
    return done.stderr


def by_student(rows: list[list[str]], key_column: str, skip: int) -> dict[str, dict[str, str]]:
    header = rows[0]
    return {row[header.index(key_column)]: dict(zip(header, row)) for row in rows[skip:]}


def gradebook_score(course: Course, student: str, assignment: str) -> float:
    """The student's score in the gradebook (after the late penalty, as nbgrader's export computes it)."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        return round(max(0.0, submission.score - (submission.late_submission_penalty or 0.0)), 2)


def test_canvas_header_is_the_documented_one(exported):
    """Canvas: Student, ID, SIS User ID, SIS Login ID, Section, then one column per assignment, in this order."""
    assert ok(exported, "canvas-allow")[0] == CANVAS_IDENTITY + [A1, A2]


def test_canvas_points_possible_row(exported):
    """Canvas's second row is Points Possible: the identity cells blank, each assignment's max points."""
    assert ok(exported, "canvas-allow")[1] == ["Points Possible", "", "", "", "", "4", "7"]


def test_canvas_scores_equal_the_gradebook(exported):
    """ana and ben have their gradebook scores (4 and a real 0), dan's a2 and a1 not submitted are 0."""
    rows = by_student(ok(exported, "canvas-allow"), "SIS User ID", skip=2)
    course = exported["course"]
    for student in ("ana", "ben"):
        assert float(rows[student][A1]) == gradebook_score(course, student, A1)
    assert (rows["ana"][A1], rows["ben"][A1]) == ("4", "0")
    assert (rows["dan"][A1], rows["dan"][A2], rows["ana"][A2]) == ("0", "0", "0")


def test_canvas_identity_cells(exported):
    """Canvas: the nbgrader id is the SIS User ID, Canvas's ID is blank, the name is "Last, First"."""
    row = by_student(ok(exported, "canvas-allow"), "SIS User ID", skip=2)["ben"]
    assert [row[c] for c in CANVAS_IDENTITY] == ["Côté, Benoît", "", "ben", "", ""]


def test_canvas_id_column_puts_the_id_in_canvas_id(exported):
    """--id-column canvas puts the nbgrader id (a Canvas user id from zip_collect) in ID; --assignment keeps one column."""
    rows = ok(exported, "canvas-ids")
    assert rows[0] == CANVAS_IDENTITY + [A1]
    assert by_student(rows, "ID", skip=2)["ana"]["SIS User ID"] == ""


def test_not_graded_stops_the_export(exported):
    """Submitted but not graded (cid): exit 1, a message naming the student and assignment, no file."""
    message = refused(exported, "canvas")
    assert exported["runs"]["canvas"][0].returncode == 1
    assert "student cid, a1-sockets: not graded" in message
    assert "--allow-ungraded" in message


def test_allow_ungraded_leaves_the_cell_empty(exported):
    """With --allow-ungraded, cid's a1 cell is empty (not 0) on both platforms."""
    assert by_student(ok(exported, "canvas-allow"), "SIS User ID", skip=2)["cid"][A1] == ""
    assert by_student(ok(exported, "moodle-idnumber"), "ID number", skip=1)["cid"][A1] == ""


def test_moodle_without_email_stops_and_names_the_student(exported):
    """Moodle by e-mail: dan has none, so exit 1, a message naming him and --id-column idnumber, no file."""
    message = refused(exported, "moodle-allow")
    assert "no e-mail address in the gradebook for: dan." in message
    assert "--id-column idnumber" in message


def test_moodle_header_and_rows(exported):
    """Moodle: First name, Last name, ID number, Email address, the assignments; one row per student with their scores."""
    rows = ok(exported, "moodle-idnumber")
    assert rows[0] == MOODLE_IDENTITY + [A1, A2]
    students = by_student(rows, "ID number", skip=1)
    assert sorted(students) == ["ana", "ben", "cid", "dan"]
    assert [students["ben"][c] for c in MOODLE_IDENTITY] == ["Benoît", "Côté", "ben", "ben@example.edu"]
    assert [students["dan"][c] for c in (*MOODLE_IDENTITY, A1)] == ["Dan", "Diaz", "dan", "", "0"]
    assert float(students["ana"][A1]) == gradebook_score(exported["course"], "ana", A1) == 4.0


def test_needs_manual_grading_is_not_exported_as_final(exported):
    """A score that waits for manual grading stops the export like ungraded work, naming it."""
    message = refused(exported, "manual")
    assert "student ana, a1-sockets: needs manual grading" in message


def test_file_is_utf8_with_a_byte_order_mark(exported):
    """The file starts with a UTF-8 byte-order mark (Excel), and accented names survive."""
    raw = exported["runs"]["moodle-idnumber"][1].read_bytes()
    assert raw.startswith(BOM.encode("utf-8"))
    assert "Benoît,Côté" in raw.decode("utf-8")


def test_bad_format_is_refused(exported):
    """--format blackboard: exit 2, argparse names the choices, no file."""
    message = refused(exported, "bad-format")
    assert exported["runs"]["bad-format"][0].returncode == 2
    assert "invalid choice: 'blackboard'" in message and "'canvas', 'moodle'" in message


def test_unknown_assignment_is_refused(exported):
    """An unknown --assignment: exit 2, a message naming it and the known ones, no file."""
    message = refused(exported, "unknown-assignment")
    assert exported["runs"]["unknown-assignment"][0].returncode == 2
    assert "unknown assignment a99-nope; the gradebook has: " in message and A1 in message


def test_refused_export_keeps_an_older_file(exported):
    """A refused export leaves the file already at --output as it was."""
    refused(exported, "keeps-old-file")
    assert exported["runs"]["keeps-old-file"][1].read_text() == OLD_FILE


def test_success_message_counts_what_was_written(exported):
    """The command says where it wrote, how many students and assignments, and how many cells it left empty."""
    done, output = exported["runs"]["canvas-allow"]
    assert f"Wrote {output} for Canvas: 4 student(s), 2 assignment(s); 1 cell(s) of work not graded yet left empty." in done.stderr


def test_moodle_message_gives_each_maximum(exported):
    """For Moodle, the command prints each assignment's maximum, which the grade item must get."""
    assert "maximum grade: a1-sockets 4, a2-tcp-client 7." in exported["runs"]["moodle-idnumber"][0].stderr
