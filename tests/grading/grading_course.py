"""A throw-away copy of the course and the real nbgrader CLI to grade it.

Typical use::

    course = Course.create(tmp_path / "course")   # from grading_course import Course
    course.nbgrader("generate_assignment", "*")
    course.submit("alice", "a1-sockets", notebook)
    course.nbgrader("autograde", "*")
    course.scores()[("a1-sockets", "alice")]
"""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
LANG = "en"
ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions" / LANG).iterdir() if p.is_dir())

#: nbgrader logs a broken nbgrader_config.py and goes on with its defaults: never accept that.
CONFIG_ERROR = "Exception while loading config file"


def _load_release_tool():
    spec = importlib.util.spec_from_file_location("release_exercises", REPO / "tools" / "release_exercises.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


release_tool = _load_release_tool()


def solution_notebook(assignment: str) -> nbformat.NotebookNode:
    """The instructor's notebook of ``assignment`` (with solutions and hidden tests)."""
    return nbformat.read(REPO / "solutions" / LANG / assignment / f"{assignment}.ipynb", as_version=4)


def nbgrader_id(cell) -> str | None:
    """The nbgrader ``grade_id`` of a cell, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_solution(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def is_test(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def reference_sources(assignment: str) -> dict[str, str]:
    """The reference solution of each solution cell, without the BEGIN/END SOLUTION markers."""
    return {
        nbgrader_id(cell): "\n".join(
            line for line in cell.source.split("\n") if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
        )
        for cell in solution_notebook(assignment).cells
        if is_solution(cell)
    }


def hidden_lines(assignment: str) -> list[str]:
    """Every non-blank line inside the hidden-test regions of ``assignment``, stripped."""
    lines, hidden = [], False
    for cell in solution_notebook(assignment).cells:
        for line in cell.source.split("\n"):
            if "BEGIN HIDDEN TESTS" in line:
                hidden = True
            elif "END HIDDEN TESTS" in line:
                hidden = False
            elif hidden and line.strip():
                lines.append(line.strip())
    return lines


#: Hidden-test lines shorter than this could be ordinary code (``import sys``) and prove nothing.
MIN_HIDDEN_LINE = 14


def telltale_hidden_lines(assignments, released: str) -> set[str]:
    """Hidden-test lines of ``assignments`` long enough to identify, that appear nowhere (not even inside a line) in ``released``.

    Typical use::

        leaked = [line for line in telltale_hidden_lines(["a1-sockets"], released) if line in page_text(page)]
    """
    return {line for name in assignments for line in hidden_lines(name) if len(line) >= MIN_HIDDEN_LINE and line not in released}


def page_text(path: Path) -> str:
    """The visible text of a feedback page: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


@dataclass
class Course:
    """A course folder (config, tools, solutions) that nbgrader can release, grade and give feedback in."""

    root: Path

    @classmethod
    def create(cls, root: Path) -> "Course":
        """Copy the parts of the repository nbgrader needs into ``root``."""
        root.mkdir(parents=True)
        shutil.copy2(REPO / "nbgrader_config.py", root)
        (root / "tools").mkdir()
        shutil.copy2(REPO / "tools" / "release_exercises.py", root / "tools")
        shutil.copytree(REPO / "tools" / "course_grading", root / "tools" / "course_grading",
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(REPO / "solutions", root / "solutions")
        return cls(root)

    def clone(self, root: Path) -> "Course":
        """A second course with the same files and gradebook, to grade in parallel."""
        shutil.copytree(self.root, root)
        return Course(root)

    def command(self, *args: str) -> list[str]:
        return [str(Path(sys.executable).parent / "nbgrader"), *args]

    def start(self, *args: str, log_name: str) -> "Running":
        """Start an nbgrader command in the background; its output goes to ``<root>/<log_name>``."""
        log = open(self.root / log_name, "w")
        process = subprocess.Popen(
            self.command(*args), cwd=self.root, env=release_tool.nbgrader_environment(LANG),
            stdout=log, stderr=subprocess.STDOUT, text=True,
        )
        running = Running(process, log, self.root / log_name, time.monotonic())
        threading.Thread(target=running.watch, name=f"watch-nbgrader-{args[0]}", daemon=True).start()
        return running

    def nbgrader(self, *args: str, timeout: float = 600) -> str:
        """Run an nbgrader command to the end and return its log."""
        return self.start(*args, log_name=f"nbgrader-{args[0]}.log").wait(timeout)

    def release_path(self, assignment: str) -> Path:
        return self.root / "exercises" / LANG / assignment / f"{assignment}.ipynb"

    def released(self, assignment: str) -> nbformat.NotebookNode:
        return nbformat.read(self.release_path(assignment), as_version=4)

    def submit(self, student: str, assignment: str, notebook) -> None:
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, str(folder / f"{assignment}.ipynb"))

    def autograded_path(self, student: str, assignment: str) -> Path:
        return self.root / "autograded" / student / assignment / f"{assignment}.ipynb"

    def feedback_files(self) -> list[Path]:
        return sorted((self.root / "feedback").rglob("*.html"))

    def scores(self) -> dict[tuple[str, str], dict[str, tuple[float, float, bool]]]:
        """{(assignment, student): {grade_id: (score, max score, needs manual grading)}} from the gradebook."""
        from nbgrader.api import Gradebook

        found = {}
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            for assignment in gradebook.assignments:
                for submission in gradebook.assignment_submissions(assignment.name):
                    for notebook in submission.notebooks:
                        found[(assignment.name, submission.student.id)] = {
                            grade.name: (grade.score, grade.max_score, grade.needs_manual_grade)
                            for grade in notebook.grades
                        }
        return found


@dataclass
class Running:
    """An nbgrader command running in the background."""

    process: subprocess.Popen
    log_file: object
    log_path: Path
    started: float
    seconds: float = 0.0

    def watch(self) -> None:
        """Record how long the command ran (in its own thread, so parallel commands are timed right)."""
        self.process.wait()
        self.seconds = time.monotonic() - self.started

    def wait(self, timeout: float = 600, check: bool = True) -> str:
        """Wait for the end and return the log; fail on a config error, and (``check``) on a non-zero exit."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self.log_file.close()
        log = self.log_path.read_text()
        assert CONFIG_ERROR not in log, log
        if check:
            assert self.process.returncode == 0, f"{' '.join(self.process.args)} failed:\n{log[-5000:]}"
        return log
