"""``tools/course grade``: a class graded in parallel gives the gradebook that grading one by one gives.

One small class (a1 and a2, right and wrong) is graded three ways on three
copies of the course, at once: the real ``nbgrader autograde "*"`` (one by
one, the reference), ``tools/course grade --all --workers 1`` and
``--workers 2``. Another class holds submissions that take their grading
process down (it is killed, or frozen), so the batch must survive them.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from gradebook_dump import dump_gradebook, total_scores
from grading_course import LANG, REPO, Course, is_test, nbgrader_id, release_tool, solution_notebook
from grading_submissions import MISTAKES, Case, code, reference, reference_sources, untouched

pytestmark = pytest.mark.timeout(600)


def grading_module(name: str):
    """A module of tools/course_grading, loaded as nbgrader_config.py loads the package (the command's bootstrap)."""
    spec = importlib.util.spec_from_file_location("course_grading_bootstrap", REPO / "tools" / "course_grading" / "__main__.py")
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    package = bootstrap.load_package()
    return importlib.import_module(f"{package.__name__}.{name}")


def expected_total(case: Case) -> float:
    """The score ``case`` must get: every test cell's points, except those of the cells it fails."""
    cells = solution_notebook(case.assignment).cells
    return sum(float(c.metadata["nbgrader"]["points"]) for c in cells
               if is_test(c) and nbgrader_id(c) not in case.failing and not case.untouched)


def mistake(name: str) -> Case:
    return next(case for case in MISTAKES if case.student == name)


#: The class of the identity tests: (student id, submission).
CLASS = [
    ("ada", reference("a2-tcp-client")),
    ("bruno", mistake("a2-single-recv")),
    ("carla", mistake("a2-decode-per-chunk")),
    ("dmitri", reference("a1-sockets")),
    ("emma", mistake("a1-str-names")),
    ("farid", untouched("a1-sockets")),
]


@dataclass
class Graded:
    """One copy of the class after one way of grading it."""

    course: Course
    returncode: int
    log: str
    seconds: float

    def dump(self) -> dict:
        return dump_gradebook(self.course.root / "gradebook.db")


def grade_command(course: Course, *args: str) -> list[str]:
    """``tools/course grade ...`` as tools/course runs it (the venv's Python, the package folder)."""
    return [sys.executable, str(course.root / "tools" / "course_grading"), "grade", *args]


#: Every process a grading command of these tests starts inherits this variable (see the no-leftovers test).
MARKER = "COURSE_GRADING_TEST_RUN"


def start(course: Course, command: list[str], log_name: str):
    log = open(course.root / log_name, "w")
    env = {**release_tool.nbgrader_environment(LANG), MARKER: str(course.root)}
    process = subprocess.Popen(command, cwd=course.root, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    return process, log


def finish(course: Course, running, log_name: str, started: float, timeout: float = 480) -> Graded:
    process, log = running
    try:
        process.wait(timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    return Graded(course, process.returncode, (course.root / log_name).read_text(), time.monotonic() - started)


def run_grade(course: Course, *args: str, timeout: float = 480) -> Graded:
    started = time.monotonic()
    return finish(course, start(course, grade_command(course, *args), "grade.log"), "grade.log", started, timeout)


def make_class(root: Path, students: list[tuple[str, Case]], assignments: tuple[str, ...]) -> Course:
    course = Course.create(root)
    for assignment in assignments:
        course.nbgrader("generate_assignment", assignment, "--force")
    for student, case in students:
        course.submit(student, case.assignment, case.build(course.released(case.assignment)))
    return course


@pytest.fixture(scope="module")
def three_ways(tmp_path_factory) -> dict[str, Graded]:
    """The class graded by nbgrader one by one, by 1 worker and by 2 workers (three copies, at once)."""
    base = tmp_path_factory.mktemp("parallel")
    source = make_class(base / "source", CLASS, ("a1-sockets", "a2-tcp-client"))
    copies = {name: source.clone(base / name) for name in ("one-by-one", "workers-1", "workers-2")}
    started = time.monotonic()
    commands = {
        "one-by-one": copies["one-by-one"].command("autograde", "*"),
        "workers-1": grade_command(copies["workers-1"], "--all", "--workers", "1"),
        "workers-2": grade_command(copies["workers-2"], "--all", "--workers", "2"),
    }
    running = {name: start(copies[name], command, "grade.log") for name, command in commands.items()}
    return {name: finish(copies[name], running[name], "grade.log", started) for name in running}


def test_parallel_gradebooks_equal_grading_one_by_one(three_ways):
    """1 worker and 2 workers write exactly the gradebook nbgrader autograde writes: every score, comment and flag."""
    reference_dump = three_ways["one-by-one"].dump()
    assert three_ways["one-by-one"].returncode == 0, three_ways["one-by-one"].log[-3000:]
    totals = total_scores(reference_dump)
    # The reference itself is meaningful: each submission has the score its mistakes deserve.
    assert {student: totals[(case.assignment, student)][0] for student, case in CLASS} == {
        student: expected_total(case) for student, case in CLASS}
    for name in ("workers-1", "workers-2"):
        graded = three_ways[name]
        assert graded.returncode == 0, graded.log[-3000:]
        assert "database is locked" not in graded.log
        dump = graded.dump()
        assert dump.keys() == reference_dump.keys()
        for key in reference_dump:
            assert dump[key] == reference_dump[key], f"{name}: {key} differs from nbgrader autograde"


def test_autograded_notebooks_are_where_nbgrader_puts_them(three_ways):
    """Each submission's autograded/<student>/<assignment>/ holds the same files and cells as nbgrader's."""
    one_by_one, parallel = three_ways["one-by-one"].course, three_ways["workers-2"].course
    for student, case in CLASS:
        ours = parallel.autograded_path(student, case.assignment)
        theirs = one_by_one.autograded_path(student, case.assignment)
        assert sorted(p.name for p in ours.parent.iterdir()) == sorted(p.name for p in theirs.parent.iterdir())
        cells = lambda path: [(c.cell_type, c.source) for c in nbformat.read(path, as_version=4).cells]  # noqa: E731
        assert cells(ours) == cells(theirs), f"{student}: autograded notebook differs"
        assert oct(ours.stat().st_mode & 0o777) == oct(theirs.stat().st_mode & 0o777)
    assert not list(parallel.root.glob("course-grade-*")), "no working folder is left in the course"


def test_feedback_is_generated_from_parallel_grading(three_ways):
    """nbgrader generate_feedback works on what the parallel grader wrote, with the right score."""
    course = three_ways["workers-2"].course
    course.nbgrader("generate_feedback", "a2-tcp-client", "--student", "bruno")
    page = course.root / "feedback" / "bruno" / "a2-tcp-client" / "a2-tcp-client.html"
    total = total_scores(three_ways["one-by-one"].dump())[("a2-tcp-client", "bruno")][0]
    assert page.is_file()
    assert f"Score: {total:.1f} / 7.0" in page.read_text()  # nbgrader's own heading of the page


def test_progress_shows_counts_and_time_left(three_ways):
    """Every finished submission is a line with its count, score and the time left; the summary counts them."""
    log = three_ways["workers-2"].log
    lines = [line for line in log.splitlines() if line.startswith("[")]
    finished = [line for line in lines if " graded " in line]
    assert len(finished) == len(CLASS), log[-3000:]
    assert any(line.startswith(f"[{len(CLASS)}/{len(CLASS)}]") for line in finished)
    assert all("left" in line and "elapsed" in line for line in finished)
    assert any("ada  a2-tcp-client  7/7" in line for line in finished)
    assert f"Graded {len(CLASS)}, failed 0, skipped 0 of {len(CLASS)} submissions" in log
    assert "with 2 workers" in log


def test_second_run_skips_and_force_regrades(three_ways, tmp_path):
    """Like nbgrader: graded submissions are skipped; --force --student grades that one again, same scores."""
    course = three_ways["workers-1"].course.clone(tmp_path / "again")
    before = dump_gradebook(course.root / "gradebook.db")
    again = run_grade(course, "a2-tcp-client")
    assert again.returncode == 0, again.log[-2000:]
    assert "Graded 0, failed 0, skipped 3 of 3 submissions" in again.log
    notebook = course.autograded_path("ada", "a2-tcp-client")
    old = notebook.stat().st_mtime_ns
    forced = run_grade(course, "a2-tcp-client", "--student", "ada", "--force", "--workers", "2")
    assert forced.returncode == 0, forced.log[-2000:]
    assert "Graded 1, failed 0, skipped 0 of 1 submissions" in forced.log and "with 1 worker" in forced.log
    assert notebook.stat().st_mtime_ns != old
    assert dump_gradebook(course.root / "gradebook.db") == before


# ---- a batch that survives its grading process ------------------------------------------------------

def _takes_down_its_grader(how: str) -> Case:
    """a1's reference, plus a top-level line that signals the kernel's parent: the grading process."""
    sources = reference_sources("a1-sockets")
    line = f"import os, signal\nos.kill(os.getppid(), signal.{how})"
    return Case(f"grader-{how}", "a1-sockets", f"sends {how} to its grading process",
                {"make_sockets": sources["make_sockets"] + "\n\n" + code(line)})


SURVIVAL_CLASS = [
    ("ann", reference("a1-sockets")),
    ("ben", _takes_down_its_grader("SIGKILL")),
    ("cat", mistake("a1-udp-is-tcp")),
    ("dan", _takes_down_its_grader("SIGSTOP")),
    ("eve", reference("a1-sockets")),
    ("fay", mistake("a1-closed-socket")),
]
#: Seconds before a frozen grading process is stopped, in this test (default 300).
SURVIVAL_TIMEOUT = 25


@pytest.fixture(scope="module")
def survived(tmp_path_factory) -> Graded:
    """SURVIVAL_CLASS graded by 2 workers, without the sandbox (which would keep the kernel from its grader)."""
    course = make_class(tmp_path_factory.mktemp("survival") / "course", SURVIVAL_CLASS, ("a1-sockets",))
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write("\nc.Sandbox.enabled = False  # this test needs student code that reaches its grading process\n")
    return run_grade(course, "a1-sockets", "--workers", "2", "--timeout", str(SURVIVAL_TIMEOUT))


def test_batch_survives_a_killed_and_a_frozen_grading_process(survived):
    """A killed worker and a frozen one are reported by name; everyone else gets their exact score."""
    assert survived.returncode == 1, survived.log[-3000:]  # some submissions were not graded
    totals = total_scores(dump_gradebook(survived.course.root / "gradebook.db"))
    for student, case in SURVIVAL_CLASS:
        if student not in ("ben", "dan"):
            assert totals[("a1-sockets", student)] == (expected_total(case), 4.0), student
    summary = survived.log[survived.log.index("Graded "):]
    assert summary.startswith("Graded 4, failed 2, skipped 0 of 6 submissions")
    assert "ben  a1-sockets  the grading process stopped (exit code -9)" in summary
    assert f"dan  a1-sockets  grading took longer than {SURVIVAL_TIMEOUT} s: stopped" in summary
    for student in ("ben", "dan"):
        assert not survived.course.autograded_path(student, "a1-sockets").parent.exists()
        assert totals[("a1-sockets", student)] == (0, 4.0)  # submitted, not graded: no score at all
    assert "database is locked" not in survived.log


def test_stopped_workers_leave_no_process(survived):
    """After the batch no worker or kernel of that course is still running (frozen ones included)."""
    import psutil

    root = str(survived.course.root)
    left = []
    for process in psutil.process_iter(["cmdline", "status"]):
        try:
            if process.environ().get(MARKER) == root and process.info["status"] != psutil.STATUS_ZOMBIE:
                left.append(process.info["cmdline"])
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    assert not left, left


# ---- fail closed -------------------------------------------------------------------------------------

def test_broken_config_stops_before_anything_is_graded(tmp_path):
    """An error in nbgrader_config.py stops the command (exit 2, the error named); nothing is written."""
    course = make_class(tmp_path / "course", CLASS[3:4], ("a1-sockets",))
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write("\nraise ValueError('Unknown course language: de')\n")
    before = (course.root / "gradebook.db").read_bytes()
    graded = run_grade(course, "a1-sockets", timeout=120)
    assert graded.returncode == 2, graded.log
    assert "Grading stopped" in graded.log and "Unknown course language: de" in graded.log
    assert not (course.root / "autograded").exists()
    assert (course.root / "gradebook.db").read_bytes() == before


def test_unknown_assignment_says_how_to_register_it(tmp_path):
    """Submissions of an assignment nbgrader does not know stop the command with the command that fixes it."""
    course = make_class(tmp_path / "course", [], ("a1-sockets",))
    course.submit("ada", "a2-tcp-client", nbformat.read(REPO / "exercises" / LANG / "a2-tcp-client" / "a2-tcp-client.ipynb", as_version=4))
    graded = run_grade(course, "a2-tcp-client", timeout=120)
    assert graded.returncode == 2, graded.log
    assert "nbgrader generate_assignment a2-tcp-client --force" in graded.log


# ---- which submissions (no grading) -------------------------------------------------------------------

@pytest.fixture
def coursedir(tmp_path):
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(root=str(tmp_path))


def _folder(coursedir, step: str, student: str, assignment: str, timestamp: str | None = None) -> None:
    folder = Path(coursedir.format_path(step, student, assignment))
    folder.mkdir(parents=True)
    (folder / f"{assignment}.ipynb").write_text("{}")
    if timestamp:
        (folder / "timestamp.txt").write_text(timestamp)


def test_plan_follows_nbgrader_on_what_to_grade_again(coursedir):
    """New work is graded; graded work is skipped unless resubmitted later or forced; excluded ids never."""
    plan_jobs = grading_module("parallel").plan_jobs
    _folder(coursedir, "submitted", "new", "a1")
    _folder(coursedir, "submitted", "done", "a1", "2026-01-01 10:00:00")
    _folder(coursedir, "autograded", "done", "a1", "2026-01-01 10:00:00")
    _folder(coursedir, "submitted", "resubmitted", "a1", "2026-01-02 10:00:00")
    _folder(coursedir, "autograded", "resubmitted", "a1", "2026-01-01 10:00:00")
    _folder(coursedir, "submitted", "new", "a2")
    coursedir.student_id_exclude = "excluded"
    _folder(coursedir, "submitted", "excluded", "a1")

    jobs, skipped = plan_jobs(coursedir, ["a1"], ["*"], force=False)
    assert [(job.assignment, job.student) for job in jobs] == [("a1", "new"), ("a1", "resubmitted")]
    assert [(o.student, o.status) for o in skipped] == [("done", "skipped")]
    forced, _ = plan_jobs(coursedir, ["*"], ["*"], force=True)
    assert [(job.assignment, job.student) for job in forced] == [("a1", "done"), ("a1", "new"), ("a1", "resubmitted"), ("a2", "new")]
    only, _ = plan_jobs(coursedir, ["*"], ["n*"], force=False)
    assert [(job.assignment, job.student) for job in only] == [("a1", "new"), ("a2", "new")]


def test_default_workers_are_three_per_core_this_process_may_use():
    """--workers defaults to three per core of this process's CPU set (grading mostly waits), with a ceiling."""
    parallel = grading_module("parallel")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert parallel.cores() == cores
    assert parallel.default_workers() == min(3 * cores, parallel.MAX_DEFAULT_WORKERS)
    assert parallel.parse_args(["a1-sockets"]).workers == parallel.default_workers()


def test_worker_channel_is_safe_from_kernel_output(tmp_path):
    """What a kernel writes to the worker's stdout (fd 1) never reaches the protocol channel."""
    script = (
        "import os, sys, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('b', {str(REPO / 'tools' / 'course_grading' / '__main__.py')!r})\n"
        "b = importlib.util.module_from_spec(spec); spec.loader.exec_module(b); b.load_package()\n"
        "from socket_course_grading.worker import _protocol_stream\n"
        "channel = _protocol_stream()\n"
        "os.system('echo from-a-child-process')\n"
        "print('from print')\n"
        "channel.write('{\"event\": \"ready\"}\\n'); channel.flush()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout == '{"event": "ready"}\n', done.stdout
    assert "from-a-child-process" in done.stderr and "from print" in done.stderr


def test_worker_kernels_talk_over_ipc_in_its_private_folder(tmp_path, monkeypatch):
    """A worker's kernel managers, made as nbclient makes them (from its config), use IPC files in its folder."""
    from jupyter_client.manager import AsyncKernelManager

    course = Course.create(tmp_path / "course")
    monkeypatch.chdir(tmp_path)  # the worker moves to the course root; pytest puts the folder back
    worker = grading_module("worker").GradingWorker(course.root, tmp_path / "private")
    manager = AsyncKernelManager(config=worker.app.config)
    assert manager.transport == "ipc"
    assert Path(manager.ip).parent == (tmp_path / "private").resolve()
    assert worker.coursedir.db_url == f"sqlite:///{(tmp_path / 'private' / 'gradebook.db').resolve()}"
    assert Path(worker.coursedir.root) == course.root.resolve()
