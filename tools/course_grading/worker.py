"""One grading process of ``tools/course grade``: nbgrader's autograde, one submission at a time, in private.

The worker is a long-lived Python process (no nbgrader start-up per
submission). It loads the course's ``nbgrader_config.py`` once, exactly as
``nbgrader autograde`` does, and then grades each submission it is sent with
nbgrader's own ``Autograde`` converter: the same sanitising and autograde
pipelines, plug-ins, kernel manager and timeouts as the command line.

Only two settings differ, so that workers never share anything writable:

- the gradebook is the worker's private copy (``<private>/gradebook.db``, a
  snapshot of the course's gradebook taken by the runner), so parallel
  workers never lock each other out of one sqlite file;
- the autograded folder is ``<private>/autograded``; the runner moves each
  result to ``autograded/<student>/<assignment>/`` in the course.

Kernels talk to the worker over ZMQ's IPC transport (socket files in the
private folder) where the platform has it, so kernels started at once by
several workers never race for TCP ports. A kernel manager that chooses its
own transport (the grading sandbox's) keeps its choice.

Protocol: one JSON object per line. The worker first writes ``{"event":
"ready"}`` (or ``"fatal"`` with a message), then answers each request
``{"assignment": ..., "student": ...}`` with ``{"event": "result", ...}``:
success, the captured log, the grades and comments of that submission read
from the private gradebook, and the folder of its autograded notebooks. It
exits at the end of its input. Student code cannot write into this channel:
the worker keeps a private copy of its original stdout and points file
descriptor 1, which kernels inherit, at stderr.

Typical use (the runner does this)::

    python tools/course_grading worker --course . --private /tmp/grade-1/worker-1
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path

__all__ = ["GradingWorker", "main", "share_database_engines", "submission_rows"]


def share_database_engines() -> None:
    """Give every nbgrader ``Gradebook`` of this process one SQLAlchemy engine per database URL.

    nbgrader opens a new engine for each ``Gradebook`` object, about ten per
    submission, so SQLAlchemy compiles every query anew each time: a third
    of the worker's own CPU time per submission. Sharing the engine keeps the
    same queries and sessions (each ``Gradebook`` still has its own) and lets
    the statement cache work.
    """
    import nbgrader.api as api

    if getattr(api.create_engine, "shared_per_url", False):
        return
    original = api.create_engine
    engines = {}

    def create_engine(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = original(url, **kwargs)
        return engines[key]

    create_engine.shared_per_url = True
    api.create_engine = create_engine


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by this process, and by its finished children (the kernels)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0, 0.0
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def submission_rows(db_url: str, course_id: str, assignment: str, student: str) -> dict | None:
    """What autograde wrote about one submission: its timestamp, and per notebook its flags, grades and comments.

    Typical use::

        submission_rows("sqlite:///gradebook.db", "sockets", "a2-tcp-client", "ada")["notebooks"]
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None
        return {
            "timestamp": submission.timestamp.isoformat() if submission.timestamp else None,
            "notebooks": {
                notebook.name: {
                    "flagged": notebook.flagged,
                    "late_submission_penalty": notebook.late_submission_penalty,
                    "grades": {grade.name: {"auto_score": grade.auto_score, "needs_manual_grade": grade.needs_manual_grade,
                                            "max_score": grade.max_score} for grade in notebook.grades},
                    "comments": {comment.name: {"auto_comment": comment.auto_comment} for comment in notebook.comments},
                }
                for notebook in submission.notebooks
            },
        }


class GradingWorker:
    """nbgrader's autograde, configured once, grading one submission per call into a private folder.

    Typical use::

        worker = GradingWorker(Path("."), Path("/tmp/w1"))
        result = worker.grade("a2-tcp-client", "ada")
    """

    def __init__(self, course_root: Path, private: Path):
        from nbgrader.apps import AutogradeApp
        from traitlets.config import Config

        self.course_root = course_root.resolve()
        self.private = private.resolve()
        os.chdir(self.course_root)  # nbgrader reads nbgrader_config.py from the current folder
        overrides = Config()
        overrides.CourseDirectory.db_url = f"sqlite:///{self.private / 'gradebook.db'}"
        overrides.CourseDirectory.autograded_directory = str(self.private / "autograded")
        if os.name == "posix":
            # ZMQ IPC sockets are files in this private folder: no TCP port to race for. (A kernel
            # manager that sets its own transport, like the grading sandbox's, overrides this.)
            overrides.KernelManager.transport = "ipc"
            overrides.KernelManager.ip = str(self.private / "kernel")
        share_database_engines()
        self.app = AutogradeApp()
        self.app.raise_config_file_errors = True  # a broken nbgrader_config.py stops the batch, never defaults
        self.app.initialize([])
        self.app.update_config(overrides)
        self.app.coursedir.update_config(overrides)

    @property
    def coursedir(self):
        return self.app.coursedir

    def preflight(self) -> None:
        """Build nbgrader's exporter once, so a check it makes (the sandbox's) stops the batch before grading."""
        from nbgrader.converters import Autograde

        converter = Autograde(coursedir=self.coursedir, parent=self.app)
        converter.exporter_class(parent=converter, config=converter.config)

    def grade(self, assignment: str, student: str) -> dict:
        """Autograde one submission; return the result message the runner expects."""
        from nbgrader.converters import Autograde
        from nbgrader.converters.base import NbGraderException
        from nbgrader.utils import rmtree

        started, cpu_before = time.monotonic(), _cpu_seconds()
        output = Path(self.coursedir.format_path(self.coursedir.autograded_directory, student, assignment))
        if output.exists():
            rmtree(str(output))
        buffer = io.StringIO()
        handler = logging.StreamHandler(buffer)
        handler.setFormatter(logging.Formatter("[%(levelname)s] %(message)s"))
        self.app.log.addHandler(handler)
        error = None
        self.coursedir.assignment_id = assignment
        self.coursedir.student_id = student
        try:
            converter = Autograde(coursedir=self.coursedir, parent=self.app)
            converter.force = True  # the runner decided that this submission is to be graded
            converter.start()
        except NbGraderException as exc:
            error = str(exc) or "nbgrader could not grade this submission"
        except Exception:  # noqa: BLE001 - whatever went wrong, the batch goes on and the log says it
            error = traceback.format_exc()
        finally:
            self.app.log.removeHandler(handler)
            self.coursedir.assignment_id = ""
            self.coursedir.student_id = "*"
        cpu_after = _cpu_seconds()
        try:
            rows = submission_rows(self.coursedir.db_url, self.coursedir.course_id, assignment, student)
        except Exception:  # noqa: BLE001
            rows, error = None, (error or "") + traceback.format_exc()
        return {
            "event": "result",
            "assignment": assignment,
            "student": student,
            "success": error is None and output.is_dir(),
            "error": error,
            "log": buffer.getvalue(),
            "rows": rows,
            "output": str(output) if output.is_dir() else None,
            "seconds": time.monotonic() - started,
            # Where the time went: nbgrader in this process, and the kernels (start-up and the notebook).
            "cpu": {"worker": cpu_after[0] - cpu_before[0], "kernels": cpu_after[1] - cpu_before[1]},
        }


def _protocol_stream():
    """A private copy of stdout for the protocol; fd 1 (inherited by kernels) becomes stderr."""
    stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python tools/course_grading worker")
    parser.add_argument("--course", type=Path, required=True, help="the course root (where nbgrader_config.py is)")
    parser.add_argument("--private", type=Path, required=True, help="this worker's folder, with its gradebook.db")
    args = parser.parse_args(argv)
    channel = _protocol_stream()

    def send(message: dict) -> None:
        channel.write(json.dumps(message) + "\n")
        channel.flush()

    try:
        worker = GradingWorker(args.course, args.private)
        worker.preflight()
    except BaseException as exc:  # noqa: BLE001 - SystemExit from a config error too
        send({"event": "fatal", "message": _fatal_message(exc)})
        return 2
    send({"event": "ready", "pid": os.getpid()})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        send(worker.grade(request["assignment"], request["student"]))
    return 0


def _fatal_message(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, SystemExit) or not text:
        return f"{type(exc).__name__}: {text}\n{traceback.format_exc()}"
    return text
