"""``tools/course export-grades``: the gradebook as a CSV file that Canvas or Moodle imports.

One row per student (the gradebook's roster and everyone who submitted), one
column per assignment, the score as nbgrader shows it (at most 2 decimals, the
late penalty taken off). The status of each cell comes from ``export`` (the
same rules as ``grades.csv``):

- ``not submitted``: 0;
- ``graded``: the score;
- ``not graded`` (submitted, no autograded notebook) and ``needs manual
  grading`` (a score that is not final): never written as a number. The
  command names them and stops (exit 1, nothing written) unless
  ``--allow-ungraded``, which leaves those cells empty.

Formats (what each platform's importer reads):

- ``canvas`` (Grades > Import): ``Student, ID, SIS User ID, SIS Login ID,
  Section``, the assignments, and a second row ``Points Possible``. The
  nbgrader id goes in ``SIS User ID`` (``--id-column sis``, the default) or in
  Canvas's own ``ID`` (``--id-column canvas``: ids collected from a Canvas
  download by ``zip_collect`` are Canvas user ids).
- ``moodle`` (Grades > Import > CSV file): ``First name, Last name, ID number,
  Email address``, then the assignments. ``ID number`` holds the nbgrader id;
  Moodle finds each student by ``Email address`` (``--id-column email``, the
  default: a student without an e-mail in the gradebook stops the export) or by
  ``ID number`` (``--id-column idnumber``).

The file is UTF-8 with a byte-order mark (see ``ENCODING``) and written in one
step (a temporary file renamed), so a refused export leaves no file, and an
older export is never half overwritten.

Typical use::

    tools/course export-grades --format canvas                        # grades-canvas.csv at the course root
    tools/course export-grades --format moodle --assignment a1-sockets --output ~/a1-moodle.csv
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from pathlib import Path

from . import settings
from .export import status_rows

__all__ = ["main", "build_table", "format_score", "ExportRefused", "FORMATS", "ID_COLUMNS", "ENCODING"]

FORMATS = ("canvas", "moodle")
#: --id-column choices per format, the default first.
ID_COLUMNS = {"canvas": ("sis", "canvas"), "moodle": ("email", "idnumber")}

# Canvas recognises its import header only in this order (app/models/gradebook_importer.rb in
# instructure/canvas-lms: row_has_student_headers? wants "Student" then "ID"; update_column_count reads
# "SIS User ID" then "SIS Login ID"; header? wants the last identity column to be "Section"). A row whose
# first cell is "Points Possible" sets each assignment's points (check_for_non_student_row, process_pp).
# process_student finds a student by the ID column (Canvas's user id) first, then by SIS User ID, then by
# SIS Login ID, then by name; and parse_assignments creates a new assignment for a header that matches no
# existing assignment's title (or "title (id)"). Canvas's import page links its guide for the format, "How do I
# import grades in the Gradebook?" (community.canvaslms.com, Instructor Guide).
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS = "Points Possible"
# Moodle's CSV import lets the teacher choose the column that identifies users ("Map from") and the user
# field it holds ("Map to": useremail or useridnumber), then a grade item for every other column
# (docs.moodle.org, "Grade import"; grade/import/csv/classes/load_data.php in moodle/moodle). These names are
# those of Moodle's own grade export, so the columns read the same in both directions.
MOODLE_IDENTITY = ["First name", "Last name", "ID number", "Email address"]

# UTF-8 with a byte-order mark: both platforms read UTF-8 and accept the mark (Moodle's csv_import_reader
# removes it, lib/csvlib.class.php; Canvas offers it itself, "Include Byte-Order Mark in compatible
# spreadsheet exports", and finds its header with include?("Student"), which a leading mark does not
# change). Without it, Excel opens the file as the local 8-bit code page and turns "Côté" into "CÃ´tÃ©";
# saved from there, the platform would get the damaged names.
ENCODING = "utf-8-sig"

# With --allow-ungraded their cells stay empty, which both importers read as "no grade": nothing changes
# where the platform has no grade for that cell yet, but a grade it has is removed. Canvas sends a cell only
# when it differs from the current grade (ProcessGradebookUpload.populateGradeDataPerSubmission), so an empty
# one clears an existing score; Moodle's update_grade_item (load_data.php) makes '' a null grade.
#: Statuses whose score is not final: never written as a number.
PENDING = {
    "not graded": "submitted, but no autograded notebook",
    "needs manual grading": "a cell waits for manual grading in the formgrader",
}


class ExportRefused(Exception):
    """The gradebook cannot be exported as asked; nothing was written. ``code`` is the exit code."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def format_score(value) -> str:
    """A score as nbgrader shows it: rounded to 2 decimals, without trailing zeros; "" stays "".

    Typical use::

        format_score(4.0), format_score(2.3333), format_score("")   # -> "4", "2.33", ""
    """
    if value == "" or value is None:
        return ""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _name(first: str, last: str) -> str:
    # Canvas's own export writes "Last, First" (a user's sortable name), one of the names it matches on.
    return ", ".join(part for part in (last, first) if part)


def build_table(rows: list[dict], fmt: str, points: dict[str, float], id_column: str,
                allow_ungraded: bool = False) -> list[list[str]]:
    """The CSV rows for ``fmt`` from ``export.status_rows`` rows: header (Canvas: and Points Possible), one row per student.

    ``points`` maps each assignment, in column order, to its maximum score.

    Raises ``ExportRefused`` naming every pending cell (not graded, needs manual
    grading) unless ``allow_ungraded``, and, for Moodle by e-mail, every student
    without one.

    Typical use::

        build_table(status_rows(gradebook, coursedir, {"a1-sockets"}), "canvas", {"a1-sockets": 4.0}, "sis")
    """
    assignments = list(points)
    cells = {(row["student_id"], row["assignment"]): row for row in rows}
    students = {row["student_id"]: row for row in rows}
    problems = []
    pending = [row for row in rows if row["status"] in PENDING]
    if pending and not allow_ungraded:
        problems.append(
            "not graded yet, so not exported (a 0 would pass for a grade):\n"
            + "\n".join(f"  student {r['student_id']}, {r['assignment']}: {r['status']} ({PENDING[r['status']]})" for r in pending)
            + "\nGrade them (tools/course grade ASSIGNMENT --student ID; a manual grade: the formgrader's Manual Grading), "
            "or pass --allow-ungraded to leave those cells empty."
        )
    if fmt == "moodle" and id_column == "email":
        missing = sorted(sid for sid, row in students.items() if not row["email"])
        if missing:
            problems.append(
                f"no e-mail address in the gradebook for: {', '.join(missing)}. Moodle finds students by e-mail here: add it "
                "(nbgrader db student add ID --email ADDRESS, or nbgrader db student import roster.csv), "
                "or pass --id-column idnumber if the nbgrader ids are the students' Moodle ID numbers."
            )
    if problems:
        raise ExportRefused("\n".join(problems))

    def scores(student_id: str) -> list[str]:
        found = [cells.get((student_id, name)) for name in assignments]
        return [format_score(row["score"]) if row and row["status"] not in PENDING else "" for row in found]

    if fmt == "canvas":
        blank = [""] * (len(CANVAS_IDENTITY) - 1)
        table = [CANVAS_IDENTITY + assignments, [CANVAS_POINTS, *blank] + [format_score(points[a]) for a in assignments]]
        for sid in sorted(students):
            row = students[sid]
            canvas_id, sis_id = (sid, "") if id_column == "canvas" else ("", sid)
            table.append([_name(row["first_name"], row["last_name"]), canvas_id, sis_id, "", ""] + scores(sid))
        return table
    table = [MOODLE_IDENTITY + assignments]
    for sid in sorted(students):
        row = students[sid]
        table.append([row["first_name"], row["last_name"], sid, row["email"]] + scores(sid))
    return table


def write_table(table: list[list[str]], dest: Path) -> None:
    """Write ``table`` to ``dest`` in one step: a temporary file beside it, then renamed over it."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(handle, "w", newline="", encoding=ENCODING) as stream:
            csv.writer(stream).writerows(table)
        os.replace(temporary, dest)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tools/course export-grades",
        description="Write the gradebook's scores as a CSV file that Canvas (Grades > Import) "
                    "or Moodle (Grades > Import > CSV file) imports.",
    )
    parser.add_argument("--format", required=True, choices=FORMATS, help="the platform that imports the file")
    parser.add_argument("--output", type=Path, help="the CSV file to write (default: grades-FORMAT.csv at the course root)")
    parser.add_argument("--assignment", action="append", default=[], metavar="A",
                        help="only this assignment (repeat it; default: every assignment in the gradebook)")
    parser.add_argument("--id-column", help="where the nbgrader id goes: canvas: sis (SIS User ID, default) or canvas (Canvas's ID); "
                                            "moodle: email (find students by Email address, default) or idnumber (by ID number)")
    parser.add_argument("--allow-ungraded", action="store_true",
                        help="leave the cells of work that is not graded yet empty instead of stopping")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course root (default: the current folder)")
    args = parser.parse_args(argv)
    choices = ID_COLUMNS[args.format]
    args.id_column = args.id_column or choices[0]
    if args.id_column not in choices:
        parser.error(f"--id-column for {args.format} is one of: {', '.join(choices)}")
    return args


def export_table(args: argparse.Namespace, course_root: Path) -> tuple[list[list[str]], dict[str, float]]:
    """Read the course's gradebook: the table ``args`` asks for and each assignment's points (``ExportRefused`` when it cannot)."""
    from nbgrader.api import Gradebook

    from .parallel import GradingAborted, load_coursedir

    try:
        coursedir = load_coursedir(course_root)
    except GradingAborted as aborted:
        raise ExportRefused(str(aborted), code=2) from None
    # Gradebook() creates an empty database where there is none: look first, so a wrong --course says so.
    database = coursedir.db_url[len("sqlite:///"):] if coursedir.db_url.startswith("sqlite:///") else None
    if database and not Path(database).is_file():
        raise ExportRefused(f"there is no gradebook at {database}: nothing has been released or graded here yet.", code=2)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        known = [assignment.name for assignment in gradebook.assignments]
        wanted = list(dict.fromkeys(args.assignment)) or known
        unknown = [name for name in wanted if name not in known]
        if unknown or not wanted:
            raise ExportRefused(f"unknown assignment {', '.join(unknown)}; the gradebook has: {', '.join(known)}" if unknown
                                else "the gradebook has no assignment yet (nbgrader generate_assignment registers one).", code=2)
        rows = status_rows(gradebook, coursedir, set(wanted))
        maxima = {assignment.name: assignment.max_score for assignment in gradebook.assignments}
    points = {name: maxima[name] for name in wanted}
    return build_table(rows, args.format, points, args.id_column, args.allow_ungraded), points


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    course_root = args.course.resolve()
    if not settings.is_course_root(course_root):
        return settings.EXIT_CODE
    dest = args.output or course_root / f"grades-{args.format}.csv"
    try:
        table, points = export_table(args, course_root)
    except ExportRefused as refused:
        print(f"[course] Nothing written: {refused}", file=sys.stderr)
        return refused.code
    write_table(table, dest)
    students = table[2:] if args.format == "canvas" else table[1:]
    empty = sum(cell == "" for row in students for cell in row[-len(points):])
    print(f"[course] Wrote {dest} for {args.format.capitalize()}: {len(students)} student(s), {len(points)} assignment(s)"
          + (f"; {empty} cell(s) of work not graded yet left empty" if empty else "") + ".", file=sys.stderr)
    if args.format == "moodle":
        # Moodle stores the number as it is, out of the grade item's maximum (100 for a new item).
        maxima = ", ".join(f"{name} {format_score(value)}" for name, value in points.items())
        print(f"[course] In Moodle, give each grade item its assignment's maximum grade: {maxima}.", file=sys.stderr)
    return 0
