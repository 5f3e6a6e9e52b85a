"""``nbgrader zip_collect`` on a Moodle-style and a Canvas-style download (tools/course_grading/collect.py).

Each zip is laid out as the platform names its files (Moodle: a folder per
student, or flat; Canvas: flat, with LATE and resubmission forms), placed where
the guide says, and collected with the guide's command on a temporary copy of
the course. Every notebook must land at ``submitted/<platform id>/a2-tcp-client/``.
"""

from __future__ import annotations

import json
import subprocess
import zipfile

import pytest
from grading_course import Course, release_tool

pytestmark = pytest.mark.timeout(600)

ASSIGNMENT = "a2-tcp-client"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"

#: name inside the platform's zip -> student id it belongs to.
MOODLE = {
    f"Ana Lima_1201_assignsubmission_file_/{NOTEBOOK}": "1201",
    f"Bruno Díaz_1202_assignsubmission_file_/{NOTEBOOK}": "1202",
    f"Chen Wei_1203_assignsubmission_file_{NOTEBOOK}": "1203",  # "download in folders" off: flat
    "Ana Lima_1201_assignsubmission_onlinetext_onlinetext.html": None,  # not a notebook: ignored
}
CANVAS = {
    f"limaana_5601_880001_{NOTEBOOK}": "5601",
    f"diazbruno_LATE_5602_880002_{NOTEBOOK}": "5602",
    f"weichen_5603_880003_{ASSIGNMENT}-1.ipynb": "5603",  # a resubmission
    "sotoelena_5605_880005_a2-tcp-client (1).ipynb": "5605",  # renamed by the student's browser
}


def notebook_of(student: str) -> str:
    """A small notebook whose first cell names its author, to check which file went where."""
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": f"by {student}"}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def zip_collect(course: Course, members: dict[str, str | None], zip_name: str) -> subprocess.CompletedProcess:
    archive = course.root / "downloaded" / ASSIGNMENT / "archive"
    archive.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive / zip_name, "w") as bundle:
        for name, student in members.items():
            bundle.writestr(name, notebook_of(student) if student else "<p>online text</p>")
    return subprocess.run(course.command("zip_collect", ASSIGNMENT, "--force"), cwd=course.root,
                          env=release_tool.nbgrader_environment("en"), capture_output=True, text=True, timeout=120)


@pytest.fixture
def course(tmp_path) -> Course:
    course = Course.create(tmp_path / "course")
    course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
    return course


def collected(course: Course) -> dict[str, str]:
    """{student id: the author written in their collected notebook}."""
    found = {}
    for path in sorted((course.root / "submitted").glob(f"*/{ASSIGNMENT}/{NOTEBOOK}")):
        found[path.parts[-3]] = json.loads(path.read_text())["cells"][0]["source"].removeprefix("by ")
    return found


@pytest.mark.parametrize("platform, members", [("moodle", MOODLE), ("canvas", CANVAS)])
def test_platform_zip_lands_at_each_students_id(course, platform, members):
    """Every notebook of the platform's zip is collected to submitted/<platform id>/a2-tcp-client/a2-tcp-client.ipynb; only non-notebooks are skipped."""
    done = zip_collect(course, members, f"{platform}-download.zip")
    assert done.returncode == 0, done.stdout + done.stderr
    expected = {student: student for student in members.values() if student}
    assert collected(course) == expected
    others = sum(student is None for student in members.values())  # Moodle's online text: not a notebook
    assert (f"{len(expected)} files collected, {others} files skipped" if others else f"{len(expected)} files collected\n") in done.stderr


def test_a_file_named_otherwise_stops_the_collection(course):
    """A notebook named as neither platform names files stops zip_collect (exit 1, the file named); nothing is collected."""
    done = zip_collect(course, {**CANVAS, f"renamed-by-hand/{NOTEBOOK}": "someone"}, "edited.zip")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{NOTEBOOK} is not named as Moodle or Canvas names submissions" in done.stderr
    assert collected(course) == {}
