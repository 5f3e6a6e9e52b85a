"""Tampered test cells, reported truly: untouched submissions log nothing, every real change is reported once.

nbgrader's ``OverwriteCells`` puts the gradebook's version of every locked
cell back and logs "Attribute 'checksum' for cell ... has changed!" when the
student's cell differs. But the gradebook's checksum of a test cell is taken
before ``generate_assignment`` removes its hidden tests (nbgrader issue
1961), so every untouched test cell with hidden tests "has changed": an
instructor learns to ignore the warning, and a real edit is lost in it.

``ReportingOverwriteCells`` compares the student's cell with what the
release gave the student: the gradebook's cell without its hidden tests,
with the gradebook's flags. An untouched cell logs nothing. An edited or
unflagged test cell, a changed point value, a deleted test cell (also
one turned into an ordinary cell), or one whose nbgrader metadata is broken
(``"nbgrader": {}``, which makes nbgrader itself stop with ``KeyError:
'grade_id'``) is reported once, by student and cell:

- one warning in the autograde log;
- the submission is flagged in the gradebook (the formgrader's *Manual
  Grading* lists flagged submissions);
- a row in ``tampering.csv`` at the course root, beside ``grades.csv``
  (``read_report`` reads it; a regrade replaces that submission's rows).

The original test is put back (and an unflagged one made a test again), so
it grades the submission.

Typical use (in ``nbgrader_config.py``)::

    c.Autograde.sanitize_preprocessors = grading.sanitize_pipeline()
"""

from __future__ import annotations

import copy
import csv
import logging
import os
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from nbformat.notebooknode import NotebookNode
from traitlets import Unicode

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells

__all__ = ["REPORT_FIELDS", "ReportingOverwriteCells", "read_report", "sanitize_pipeline"]

#: Columns of the report file.
REPORT_FIELDS = ("assignment", "student", "notebook", "cell", "change", "detected")


class _DropMissingCellWarning(logging.Filter):
    """nbgrader's own "Missing grade cell ... adding to notebook": the report says it once, with the student."""

    def filter(self, record):
        return not str(record.msg).startswith("Missing grade cell")


class ReportingOverwriteCells(OverwriteCells):
    """nbgrader's ``OverwriteCells`` that reports real changes to locked cells once and ignores the release's own.

    Typical use::

        c.Autograde.sanitize_preprocessors = sanitize_pipeline()
    """

    report_file = Unicode("tampering.csv", help="Report of tampered cells, relative to the course root.").tag(config=True)

    def preprocess(self, nb, resources):
        self._student = resources["nbgrader"]["student"]
        self._changes: list[tuple[str, str]] = []
        broken = _drop_broken_metadata(nb)
        present = {cell.metadata.nbgrader["grade_id"] for cell in nb.cells
                   if utils.is_grade(cell) and "grade_id" in cell.metadata.get("nbgrader", {})}
        log_filter = _DropMissingCellWarning()
        self.log.addFilter(log_filter)
        try:
            nb, resources = super().preprocess(nb, resources)
        finally:
            self.log.removeFilter(log_filter)
        with Gradebook(self.db_url) as gradebook:
            notebook = gradebook.find_notebook(self.notebook_id, self.assignment_id)
            missing = sorted(cell.name for cell in notebook.grade_cells if cell.name not in present)
            gone = "broken" if broken else "deleted"  # a broken cell is graded as a deleted one: the original comes back
            self._changes += [(name, gone) for name in missing if (name, "unflagged") not in self._changes]
            if self._changes:
                submission = gradebook.find_submission_notebook(self.notebook_id, self.assignment_id, self._student)
                submission.flagged = True
                gradebook.db.commit()
        for name, change in self._changes:
            self.log.warning("Tampered test cell: student %s, %s, cell %s was %s; the original test is back and grades it.",
                             self._student, self.assignment_id, name, change)
        self._write_report()
        return nb, resources

    # -- what the release gave the student ------------------------------------------------------------

    def _released_source(self, source_cell) -> str:
        cell = NotebookNode(cell_type=source_cell.cell_type, source=source_cell.source, metadata={})
        ClearHiddenTests(parent=self)._remove_hidden_test_region(cell)
        return cell.source

    def _is_graded(self, grade_id: str) -> bool:
        try:
            self.gradebook.find_graded_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return False
        return True

    def preprocess_cell(self, cell, resources, cell_index):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        self._submitted = copy.deepcopy(cell)
        if grade_id is not None and not utils.is_grade(cell) and self._is_graded(grade_id):
            # The student cleared the cell's "grade" flag: nbgrader would no longer score it.
            grade_cell = self.gradebook.find_graded_cell(grade_id, self.notebook_id, self.assignment_id)
            cell.metadata.nbgrader.update(grade=True, points=float(grade_cell.max_score))
            self._changes.append((grade_id, "unflagged"))
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum":
            if any(change[0] == name for change in self._changes):
                return  # already reported (unflagged, points ...): the source comes back anyway
            source_cell = self.gradebook.find_source_cell(name, self.notebook_id, self.assignment_id)
            if self._submitted.source == self._released_source(source_cell):
                return  # untouched: the gradebook's checksum includes the hidden tests (nbgrader issue 1961)
            self._changes.append((name, "edited"))
        else:
            self._changes.append((name, f"changed ({attr}: {new!r} instead of {old!r})"))

    # -- the report file -----------------------------------------------------------------------------------

    def _report_path(self) -> Path:
        return Path(CourseDirectory(parent=self).root) / self.report_file

    def _write_report(self) -> None:
        path = self._report_path()
        if not self._changes and not path.exists():
            return
        key = (self.assignment_id, self._student, self.notebook_id)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with _locked(path):
            rows = [row for row in read_report(path.parent, path.name) if (row["assignment"], row["student"], row["notebook"]) != key]
            rows += [dict(zip(REPORT_FIELDS, (*key, name, change, now))) for name, change in self._changes]
            rows.sort(key=lambda row: (row["assignment"], row["student"], row["notebook"], row["cell"]))
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tampering-")
            with os.fdopen(handle, "w", newline="", encoding="utf-8") as stream:
                writer = csv.DictWriter(stream, fieldnames=REPORT_FIELDS)
                writer.writeheader()
                writer.writerows(rows)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)


def _drop_broken_metadata(nb) -> int:
    """Make cells whose nbgrader metadata has no ``grade_id`` ordinary cells; return how many there were.

    nbgrader reads ``grade_id`` from every cell that has nbgrader metadata and
    fails the whole submission without it. Without the metadata the cell is
    plain code, and the gradebook's test it stood for is added back as missing.
    """
    broken = 0
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is not None and (not isinstance(meta, dict) or not isinstance(meta.get("grade_id"), str)):
            del cell.metadata["nbgrader"]
            broken += 1
    return broken


@contextmanager
def _locked(path: Path):
    """Hold an exclusive lock beside ``path`` (several graders may finish at once; grading runs on Linux)."""
    try:
        import fcntl
    except ImportError:  # Windows: nbgrader_config.py loads this package for JupyterLab too
        yield
        return
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_report(course_root, name: str = "tampering.csv") -> list[dict[str, str]]:
    """The rows of the tampering report (assignment, student, notebook, cell, change, detected); [] if none.

    Typical use::

        for row in read_report("."):
            print(row["student"], row["cell"], row["change"])
    """
    path = Path(course_root) / name
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def sanitize_pipeline() -> list:
    """nbgrader's autograde sanitizing steps with ``ReportingOverwriteCells`` for ``OverwriteCells``.

    Typical use::

        c.Autograde.sanitize_preprocessors = sanitize_pipeline()
    """
    from nbgrader.converters import Autograde

    steps = list(Autograde.class_traits()["sanitize_preprocessors"].default())
    return [ReportingOverwriteCells if step is OverwriteCells else step for step in steps]
