"""Grade a whole class in parallel, into the one gradebook: ``tools/course grade``.

nbgrader grades one submission at a time (nbgrader issue 174), and two
``nbgrader autograde`` processes on one sqlite gradebook end in "database is
locked". Here:

- N worker processes (default: 3 per core) each run nbgrader's own
  autograde (``worker``), one submission after another, with the course's
  configuration, into a private snapshot of the gradebook and a private
  autograded folder. A worker is started once, so nbgrader's start-up (about
  a second) is paid once per worker, not once per submission. Kernels use
  ZMQ's IPC transport, so parallel kernels never race for TCP ports.
- One writer, this process, puts each result in place: the autograded
  notebooks into ``autograded/<student>/<assignment>/`` (where nbgrader puts
  them, so ``generate_feedback`` and the formgrader work as usual), then the
  submission's scores, comments, flags and timestamp into the course's
  gradebook. The scores are those ``nbgrader autograde`` gives: the same
  code computes them; only who writes them differs.
- A batch survives any one submission: a worker that dies (a crash, a
  kernel that takes its grader down) or takes longer than ``--timeout`` is
  stopped with everything it started, that submission is reported as not
  graded, and a fresh worker takes the next one.
- Which submissions are graded follows ``nbgrader autograde``: a submission
  already autograded is skipped unless it was resubmitted since
  (``timestamp.txt``) or ``--force`` is given.

Typical use (from the course root)::

    tools/course grade a2-tcp-client                 # the whole class, one worker per core
    tools/course grade --all --workers 2
    tools/course grade a2-tcp-client --student ada --student bruno --force
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import json
import os
import queue
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from . import settings

__all__ = ["Job", "Outcome", "GradebookWriter", "WorkerProcess", "default_workers", "grade_class", "main", "plan_jobs"]

PACKAGE_DIR = Path(__file__).resolve().parent
#: Seconds a worker may take to load nbgrader and the course configuration.
WORKER_START_TIMEOUT = 120
#: Seconds a worker may take to exit once its input is closed.
WORKER_STOP_TIMEOUT = 30


class GradingAborted(RuntimeError):
    """The batch cannot go on (a configuration error, a missing sandbox ...): nothing more is graded."""


@dataclass(frozen=True)
class Job:
    """One submission to grade."""

    assignment: str
    student: str


@dataclass
class Outcome:
    """What became of one submission: ``graded``, ``failed`` or ``skipped``, with its score and time."""

    assignment: str
    student: str
    status: str
    score: float | None = None
    max_score: float | None = None
    seconds: float = 0.0
    message: str = ""
    worker: int | None = None
    cpu: dict = field(default_factory=dict)  # CPU seconds: "worker" (nbgrader), "kernels"
    log: str = field(default="", repr=False)

    def detail(self) -> str:
        if self.status == "graded":
            return f"{self.score:g}/{self.max_score:g}" if self.score is not None else "graded"
        return self.message.strip().splitlines()[-1] if self.message.strip() else self.status


#: Workers per core by default: a submission's grading mostly waits (kernel start, sockets, timeouts),
#: so one worker per core leaves the cores idle. benchmarks/grade_class.py, 60 submissions of a2 on
#: 2 cores: 2 workers 32.5/min, 4 workers 49.8/min, 6 workers 58.4/min.
WORKERS_PER_CORE = 3
#: A ceiling for big machines (each worker and its kernel hold about 250 MB).
MAX_DEFAULT_WORKERS = 32


def cores() -> int:
    """The cores this process may use (a container's CPU set, not the host's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """Workers of ``tools/course grade`` by default: ``WORKERS_PER_CORE`` per core, at most ``MAX_DEFAULT_WORKERS``."""
    return min(WORKERS_PER_CORE * cores(), MAX_DEFAULT_WORKERS)


# ---- which submissions ------------------------------------------------------------------------------

def _submitted(coursedir, assignment: str) -> list[tuple[str, str]]:
    """(assignment, student) of every submitted folder matching ``assignment`` (a name or a glob)."""
    pattern = coursedir.format_path(coursedir.submitted_directory, "*", assignment)
    regexp = re.compile(coursedir.format_path(coursedir.submitted_directory, "(?P<student>[^/]+)", "(?P<assignment>[^/]+)", escape=True) + "$")
    found = []
    for path in sorted(glob.glob(pattern)):
        match = regexp.match(path)
        if match and os.path.isdir(path):
            found.append((match.group("assignment"), match.group("student")))
    return found


def plan_jobs(coursedir, assignments: list[str], students: list[str], force: bool) -> tuple[list[Job], list[Outcome]]:
    """The submissions to grade, and those skipped as ``nbgrader autograde`` would skip them.

    ``assignments`` and ``students`` are names or globs (``["*"]`` for all).
    A submission is graded when it has no autograded folder yet, when
    ``timestamp.txt`` says it is newer than its autograded copy, or with
    ``force``.

    Typical use::

        jobs, skipped = plan_jobs(coursedir, ["a2-tcp-client"], ["*"], force=False)
    """
    excluded = set(filter(None, coursedir.student_id_exclude.split(",")))
    jobs, skipped, seen = [], [], set()
    for wanted in assignments:
        for assignment, student in _submitted(coursedir, wanted):
            if (assignment, student) in seen or student in excluded:
                continue
            if not any(fnmatch.fnmatchcase(student, pattern) for pattern in students):
                continue
            seen.add((assignment, student))
            source = coursedir.format_path(coursedir.submitted_directory, student, assignment)
            dest = coursedir.format_path(coursedir.autograded_directory, student, assignment)
            if os.path.exists(dest) and not force:
                new, old = coursedir.get_existing_timestamp(source), coursedir.get_existing_timestamp(dest)
                if not (new is not None and old is not None and new > old):
                    skipped.append(Outcome(assignment, student, "skipped", message="already autograded (--force grades it again)"))
                    continue
            jobs.append(Job(assignment, student))
    return sorted(jobs, key=lambda job: (job.assignment, job.student)), skipped


# ---- worker processes -------------------------------------------------------------------------------

class WorkerDied(RuntimeError):
    """The worker process ended, or was stopped, before it answered."""


class WorkerProcess:
    """One ``worker`` process and its private folder; ``grade()`` sends it a submission and waits.

    Typical use::

        worker = WorkerProcess(1, course_root, private, env).start()
        reply = worker.grade(Job("a2-tcp-client", "ada"), timeout=300)
        worker.stop()
    """

    def __init__(self, number: int, course_root: Path, private: Path, env: dict | None = None):
        self.number = number
        self.course_root = course_root
        self.private = private
        self.env = env
        self.process: subprocess.Popen | None = None
        self._replies: queue.Queue = queue.Queue()

    def start(self, timeout: float = WORKER_START_TIMEOUT) -> "WorkerProcess":
        self.private.mkdir(parents=True, exist_ok=True)
        log = open(self.private / "worker.log", "ab")
        command = [sys.executable, str(PACKAGE_DIR), "worker", "--course", str(self.course_root), "--private", str(self.private)]
        # A session of its own: Ctrl+C reaches this runner, which stops the workers in order.
        self.process = subprocess.Popen(command, cwd=self.course_root, env=self.env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
        log.close()
        threading.Thread(target=self._read, name=f"grading-worker-{self.number}-reader", daemon=True).start()
        message = self._reply(timeout, "start")
        if message.get("event") == "fatal":
            self.kill()
            raise GradingAborted(message["message"])
        return self

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                self._replies.put(json.loads(line))
            except ValueError:
                continue  # never happens with the worker's private channel; ignore rather than crash
        self._replies.put(None)

    def _reply(self, timeout: float, doing: str) -> dict:
        try:
            message = self._replies.get(timeout=timeout)
        except queue.Empty:
            raise WorkerDied(f"grading took longer than {timeout:g} s: stopped") from None
        if message is None:
            code = self.process.wait(timeout=WORKER_STOP_TIMEOUT)
            raise WorkerDied(f"the grading process stopped (exit code {code}) during {doing}; {self.log_tail()}")
        return message

    def grade(self, job: Job, timeout: float) -> dict:
        """Grade ``job``; raise ``WorkerDied`` if the worker ends or exceeds ``timeout`` seconds."""
        try:
            self.process.stdin.write(json.dumps(asdict(job)) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerDied("the grading process had stopped") from None
        return self._reply(timeout, f"{job.student}/{job.assignment}")

    def log_tail(self, lines: int = 3) -> str:
        path = self.private / "worker.log"
        text = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
        return " | ".join(text[-lines:]) if text else "no log"

    def stop(self) -> None:
        """Close the worker's input and wait for it to exit (kill it if it does not)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.process.stdin.close()
            self.process.wait(timeout=WORKER_STOP_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()

    def kill(self) -> None:
        """Kill the worker and everything it started (kernels run in sessions of their own)."""
        if self.process is None:
            return
        import psutil

        try:
            worker = psutil.Process(self.process.pid)
            family = worker.children(recursive=True)
        except psutil.NoSuchProcess:
            worker, family = None, []
        if worker is not None and self.process.poll() is None:
            family.append(worker)
        for process in family:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs([p for p in family if p is not worker], timeout=10)  # the worker: Popen reaps it
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def snapshot_gradebook(db_path: Path, copy: Path) -> None:
    """A consistent copy of a sqlite gradebook (sqlite's online backup: safe while someone writes)."""
    copy.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(copy)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()


# ---- the one writer ---------------------------------------------------------------------------------

class GradebookWriter:
    """Puts each worker's result into the course: autograded notebooks first, then the gradebook.

    Typical use::

        with GradebookWriter(coursedir) as writer:
            outcome = writer.graded(job, reply)
    """

    def __init__(self, coursedir):
        from nbgrader.api import Gradebook

        self.coursedir = coursedir
        self.gradebook = Gradebook(coursedir.db_url, coursedir.course_id)

    def __enter__(self) -> "GradebookWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.gradebook.close()

    def _destination(self, job: Job) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.autograded_directory, job.student, job.assignment))

    def _replace_output(self, job: Job, produced: str | None) -> None:
        from nbgrader.utils import rmtree

        dest = self._destination(job)
        if dest.exists():
            rmtree(str(dest))  # as nbgrader does before it regrades (and after a failed regrade)
        if produced:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(produced, dest)

    def _write_rows(self, job: Job, rows: dict) -> tuple[float | None, float]:
        gradebook = self.gradebook
        gradebook.update_or_create_student(job.student)
        submission = gradebook.update_or_create_submission(job.assignment, job.student)
        submission.timestamp = datetime.fromisoformat(rows["timestamp"]) if rows["timestamp"] else None
        score, total, scored = 0.0, 0.0, True
        for notebook in submission.notebooks:
            written = rows["notebooks"].get(notebook.name)
            if written is None:
                continue
            notebook.flagged = written["flagged"]
            notebook.late_submission_penalty = written["late_submission_penalty"]
            for grade in notebook.grades:
                values = written["grades"].get(grade.name)
                if values is not None:
                    grade.auto_score = values["auto_score"]
                    grade.needs_manual_grade = values["needs_manual_grade"]
                total += grade.max_score or 0
                if grade.auto_score is None:
                    scored = False
                score += grade.auto_score or 0
            for comment in notebook.comments:
                values = written["comments"].get(comment.name)
                if values is not None:
                    comment.auto_comment = values["auto_comment"]
        gradebook.db.commit()
        return (score if scored else None), total

    def graded(self, job: Job, reply: dict) -> Outcome:
        """Record a worker's answer: the submission is graded, or nbgrader failed on it."""
        self._replace_output(job, reply["output"] if reply["success"] else None)
        score, total = (None, 0.0)
        if reply["rows"] is not None:
            score, total = self._write_rows(job, reply["rows"])
        status = "graded" if reply["success"] else "failed"
        return Outcome(job.assignment, job.student, status, score, total, reply["seconds"], reply["error"] or "",
                       cpu=reply.get("cpu", {}), log=reply["log"])

    def not_graded(self, job: Job, reason: str, seconds: float) -> Outcome:
        """Record a submission whose worker died or was stopped: submitted, no autograded notebook."""
        self._replace_output(job, None)
        self.gradebook.update_or_create_student(job.student)
        self.gradebook.update_or_create_submission(job.assignment, job.student)
        return Outcome(job.assignment, job.student, "failed", seconds=seconds, message=reason)


# ---- the runner ------------------------------------------------------------------------------------

def load_coursedir(course_root: Path):
    """The course's nbgrader settings, loaded as ``nbgrader autograde`` loads them (errors stop us)."""
    from nbgrader.apps import AutogradeApp

    previous = os.getcwd()
    os.chdir(course_root)
    try:
        app = AutogradeApp()
        app.raise_config_file_errors = True
        app.initialize([])
    except SystemExit as exit_:
        raise GradingAborted(f"nbgrader_config.py could not be loaded (exit code {exit_.code}); see the message above") from None
    except Exception as error:  # noqa: BLE001 - any error in the config file
        raise GradingAborted(f"nbgrader_config.py could not be loaded: {type(error).__name__}: {error}") from None
    finally:
        os.chdir(previous)
    return app.coursedir


def check_languages(coursedir, course_root: Path, assignments: set[str]) -> None:
    """Stop (``GradingAborted``) before grading an assignment registered in another language than COURSE_LANG."""
    from nbgrader.api import Gradebook

    from .languages import LanguageMismatch, check_language
    from .settings import course_language

    lang = course_language()
    with Gradebook(coursedir.db_url) as gradebook:
        for assignment in sorted(assignments):
            try:
                check_language(gradebook, assignment, course_root, lang)
            except LanguageMismatch as mismatch:
                raise GradingAborted(str(mismatch)) from None


def _sqlite_path(db_url: str) -> Path:
    if not db_url.startswith("sqlite:///"):
        raise GradingAborted(f"tools/course grade works with nbgrader's sqlite gradebook; this course uses {db_url!r}. "
                             "Grade with `nbgrader autograde` instead.")
    return Path(db_url[len("sqlite:///"):])


def _check_assignments(coursedir, jobs: list[Job]) -> None:
    from nbgrader.api import Gradebook

    wanted = sorted({job.assignment for job in jobs})
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        known = {assignment.name for assignment in gradebook.assignments}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        commands = "; ".join(f"nbgrader generate_assignment {name} --force" for name in unknown)
        raise GradingAborted(f"nbgrader does not know {', '.join(unknown)} yet: run {commands}")


def grade_class(course_root: Path, jobs: list[Job], workers: int, timeout: float, progress, log_file=None) -> list[Outcome]:
    """Grade ``jobs`` with ``workers`` worker processes; return one outcome per job (in the order they finished).

    Typical use::

        outcomes = grade_class(Path("."), jobs, workers=2, timeout=300, progress=Progress(len(jobs)))
    """
    coursedir = load_coursedir(course_root)
    db_path = _sqlite_path(coursedir.db_url)
    _check_assignments(coursedir, jobs)
    workdir = Path(tempfile.mkdtemp(prefix="course-grade-"))
    pending: queue.Queue = queue.Queue()
    for job in jobs:
        pending.put(job)
    results: queue.Queue = queue.Queue()
    stopping = threading.Event()
    live: dict[int, WorkerProcess] = {}
    generations = iter(range(1, 10**9))
    lock = threading.Lock()

    def new_worker(slot: int) -> WorkerProcess:
        with lock:
            private = workdir / f"worker-{slot}-{next(generations)}"
        snapshot_gradebook(db_path, private / "gradebook.db")
        worker = WorkerProcess(slot, course_root, private, env=dict(os.environ))
        live[slot] = worker
        return worker.start()

    def run_slot(slot: int) -> None:
        worker = None
        try:
            while not stopping.is_set():
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                if worker is None:
                    worker = new_worker(slot)
                started = time.monotonic()
                try:
                    results.put(("reply", slot, job, worker.grade(job, timeout)))
                except WorkerDied as died:
                    worker.kill()
                    shutil.rmtree(worker.private, ignore_errors=True)
                    worker = None
                    results.put(("died", slot, job, (str(died), time.monotonic() - started)))
        except GradingAborted as aborted:
            results.put(("fatal", slot, None, str(aborted)))
        except Exception as error:  # noqa: BLE001 - report, never hang the batch
            results.put(("fatal", slot, None, f"a grading worker could not start: {type(error).__name__}: {error}"))
        finally:
            if worker is not None:
                worker.stop()

    threads = [threading.Thread(target=run_slot, args=(slot,), name=f"grading-slot-{slot}", daemon=True)
               for slot in range(1, min(workers, len(jobs)) + 1)]
    outcomes: list[Outcome] = []
    try:
        for thread in threads:
            thread.start()
        with GradebookWriter(coursedir) as writer:
            while len(outcomes) < len(jobs):
                kind, slot, job, payload = results.get()
                if kind == "fatal":
                    raise GradingAborted(payload)
                if kind == "reply":
                    outcome = writer.graded(job, payload)
                else:
                    outcome = writer.not_graded(job, *payload)
                outcome.worker = slot
                outcomes.append(outcome)
                progress.finished(outcome.status, job.student, job.assignment, outcome.detail(), outcome.seconds)
                for line in _notable_lines(outcome):
                    progress.say(f"    {line}")
                if log_file is not None:
                    log_file.write(f"==== {job.student} {job.assignment}: {outcome.status}\n{outcome.log}{outcome.message}\n")
                    log_file.flush()
    finally:
        stopping.set()
        if len(outcomes) < len(jobs):  # interrupted or aborted: stop what is still running
            for worker in list(live.values()):
                worker.kill()
        for thread in threads:
            thread.join(timeout=WORKER_STOP_TIMEOUT + 15)
        shutil.rmtree(workdir, ignore_errors=True)
    return outcomes


def _notable_lines(outcome: Outcome) -> list[str]:
    """The warnings and errors of a submission's autograde log (a tampered test cell, a restarted kernel ...)."""
    lines = [line for line in outcome.log.splitlines() if line.startswith(("[WARNING]", "[ERROR]"))]
    if outcome.status == "failed" and not lines and outcome.message:
        lines = [outcome.message.strip().splitlines()[-1]]
    return lines[:8]


def summary(outcomes: list[Outcome], skipped: list[Outcome], seconds: float, workers: int) -> str:
    """The closing lines: counts, rate, and every submission that was not graded, by name."""
    graded = [o for o in outcomes if o.status == "graded"]
    failed = [o for o in outcomes if o.status == "failed"]
    worked = len(outcomes)
    rate = f", {worked / seconds * 60:.1f} a minute" if worked and seconds > 0 else ""
    lines = [f"Graded {len(graded)}, failed {len(failed)}, skipped {len(skipped)} of {worked + len(skipped)} submissions "
             f"in {seconds:.1f} s with {workers} worker{'s' if workers != 1 else ''}{rate}."]
    if failed:
        lines.append("Not graded (no autograded notebook; fix the cause, then grade them again with --force):")
        lines += [f"  {o.student}  {o.assignment}  {o.detail()}" for o in failed]
    if skipped:
        lines.append(f"Skipped {len(skipped)} already autograded (grade them again with --force).")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tools/course grade",
        description="Grade an assignment (or all) for the whole class with N parallel workers, into the course's gradebook.",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("assignment", nargs="?", help="the assignment id, e.g. a2-tcp-client (a glob works too)")
    target.add_argument("--all", action="store_true", help="every assignment that has submissions")
    parser.add_argument("--workers", type=int, default=default_workers(), help=f"grading processes at once (default: {WORKERS_PER_CORE} per core, {default_workers()} here)")
    parser.add_argument("--student", action="append", default=[], metavar="ID", help="only this student (repeat it; globs work); default: everyone")
    parser.add_argument("--force", action="store_true", help="grade again submissions that were already autograded")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one submission may take before its worker is stopped (default: 300)")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course root (default: the current folder)")
    parser.add_argument("--log", type=Path, help="write every submission's full autograde log to this file")
    parser.add_argument("--json", type=Path, help="write every submission's outcome (status, score, seconds) to this JSON file")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def main(argv: list[str]) -> int:
    from .progress import Progress

    args = parse_args(argv)
    course_root = args.course.resolve()
    if not settings.is_course_root(course_root):
        return settings.EXIT_CODE
    started = time.monotonic()
    try:
        coursedir = load_coursedir(course_root)
        jobs, skipped = plan_jobs(coursedir, ["*"] if args.all else [args.assignment], args.student or ["*"], args.force)
        check_languages(coursedir, course_root, {job.assignment for job in jobs})
        if not jobs and not skipped:
            what = "any assignment" if args.all else args.assignment
            print(f"[course] No submission of {what} in {coursedir.submitted_directory}/ matches.", file=sys.stderr)
            return 1
        workers = max(1, min(args.workers, len(jobs))) if jobs else 0
        print(f"[course] Grading {len(jobs)} submission(s) with {workers} worker(s); {len(skipped)} already autograded.", file=sys.stderr)
        progress = Progress(total=len(jobs))
        log_file = open(args.log, "w", encoding="utf-8") if args.log else None
        try:
            outcomes = grade_class(course_root, jobs, workers, args.timeout, progress, log_file) if jobs else []
        finally:
            progress.close()
            if log_file:
                log_file.close()
    except GradingAborted as aborted:
        print(f"[course] Grading stopped: {aborted}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("[course] Interrupted: submissions graded so far are in the gradebook; run the command again to go on.", file=sys.stderr)
        return 130
    seconds = time.monotonic() - started
    print(summary(outcomes, skipped, seconds, workers), file=sys.stderr)
    if args.json:
        records = [{k: v for k, v in asdict(o).items() if k != "log"} for o in outcomes + skipped]
        args.json.write_text(json.dumps({"seconds": seconds, "workers": workers, "outcomes": records}, indent=1), encoding="utf-8")
    return 1 if any(o.status == "failed" for o in outcomes) else 0
