"""Submissions that try to escape the sandbox, graded by a real `nbgrader autograde` between two honest ones.

One autograde run on a temporary copy of the course grades, in this order,
an honest student, one submission per escape (escape_submissions.py), and
another honest student. Each escape prints what it reached; these tests
check that it reached nothing, that the honest students keep their exact
scores, and that the batch completes. The instructor's home, environment
and a listening port on the host's loopback are real (a fake home, a
secret variable and a socket opened here).
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from escape_submissions import ASSIGNMENT, Targets, escape_cases, escape_results
from grading_course import Course
from grading_submissions import Case, reference

# One autograde run for the module, about a minute.
pytestmark = pytest.mark.timeout(600)

HONEST = ["a-honest-first", "z-honest-last"]


@dataclass
class EscapeRun:
    course: Course
    targets: Targets
    cases: list[Case]
    exit_code: int
    log: str
    scores: dict
    host_connections: list = field(default_factory=list)
    survivors: list = field(default_factory=list)

    def results(self, name: str) -> dict:
        return escape_results(nbformat.read(self.course.autograded_path(f"escape-{name}", ASSIGNMENT), as_version=4))

    def outputs(self, name: str) -> list:
        notebook = nbformat.read(self.course.autograded_path(f"escape-{name}", ASSIGNMENT), as_version=4)
        return [output for cell in notebook.cells for output in cell.get("outputs", [])]


class HostService:
    """A socket listening on the host's 127.0.0.1 (like an instructor's JupyterLab) that records who connects."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = []
        self._stop_read, self._stop_write = socket.socketpair()
        self.thread = threading.Thread(target=self._accept, name="host-service", daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            ready, _, _ = select.select([self.server, self._stop_read], [], [])
            if self._stop_read in ready:
                return
            conn, address = self.server.accept()
            self.connections.append(address)
            conn.close()

    def stop(self):
        self._stop_write.send(b"x")
        self.thread.join(timeout=5)
        assert not self.thread.is_alive(), "the host service thread did not stop"
        self.server.close()
        self._stop_read.close()
        self._stop_write.close()


def processes_with(marker: str) -> list[int]:
    """Host processes whose command line contains ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and entry != str(os.getpid()):
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as stream:
                    if marker.encode() in stream.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


def wait_for_exit(pids: list[int], timeout: float) -> list[int]:
    """Wait (pidfd, no polling) until the processes exit; return those still alive after ``timeout``."""
    alive = []
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            if not select.select([fd], [], [], timeout)[0]:
                alive.append(pid)
        finally:
            os.close(fd)
    return alive


@pytest.fixture(scope="module")
def escape_run(tmp_path_factory) -> EscapeRun:
    base = tmp_path_factory.mktemp("escapes")
    course = Course.create(base / "course")
    home = base / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY----- canary\n")
    canary = Path(f"/tmp/escape-canary-{uuid.uuid4().hex}.txt")
    canary.write_text("a file in the host's /tmp\n")
    marker = f"escape-marker-{uuid.uuid4().hex}"
    service = HostService()
    targets = Targets(str(course.root), str(home), service.port, str(canary), marker, f"INSTRUCTOR_TOKEN_{uuid.uuid4().hex[:8]}")
    cases = [reference(ASSIGNMENT), *escape_cases(targets)]
    cases = [Case(HONEST[0], ASSIGNMENT, "honest, graded first"), *cases[1:], Case(HONEST[1], ASSIGNMENT, "honest, graded last")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))  # the instructor's shell, as nbgrader sees it
        patch.setenv(targets.secret_variable, "secret")
        try:
            course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
            for case in cases:
                course.submit(case.student, case.assignment, case.build(course.released(case.assignment)))
            job = course.start("autograde", ASSIGNMENT, log_name="autograde.log")
            log = job.wait(timeout=500, check=False)
        finally:
            service.stop()
            canary.unlink()
    run = EscapeRun(course, targets, cases, job.process.returncode, log, course.scores(), list(service.connections))
    run.survivors = wait_for_exit(processes_with(marker), timeout=5)
    yield run
    for pid in run.survivors:  # never leave an escaped process behind, even when a test fails
        os.kill(pid, 9)


def test_batch_completes_and_honest_students_keep_their_scores(escape_run):
    """The autograde run ends without error, grades every submission, and honest students get full points."""
    assert escape_run.exit_code == 0 and "There was an error processing" not in escape_run.log, escape_run.log[-5000:]
    for case in escape_run.cases:
        scores = escape_run.scores.get((ASSIGNMENT, case.student))
        assert scores, f"{case.student} was not graded"
        assert {name: score for name, (score, _, _) in scores.items()} == {name: points for name, (_, points, _) in scores.items()}, case.student


def test_solutions_home_and_environment_are_out_of_sight(escape_run):
    """The kernel reads neither solutions, config, other submissions, ~/.ssh, the host's /tmp nor the instructor's variables."""
    found = escape_run.results("read")
    assert found, "the escape printed nothing"
    leaks = {key: found[key] for key in ("solutions", "config", "other_submission", "ssh_key", "host_tmp", "secret_variable") if found[key]}
    assert not leaks and not found["solutions_from_parents"], found
    assert set(found["environment"]) <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "PYTHONDONTWRITEBYTECODE", "COURSE_LANG",
                                          "NBGRADER_EXECUTION", "PWD", "JPY_SESSION_NAME", "PYDEVD_USE_FRAME_EVAL", "TERM",
                                          "CLICOLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PAGER", "GIT_PAGER", "MPLBACKEND"}, found["environment"]
    assert found["home"] != escape_run.targets.home


def test_gradebook_cannot_be_written(escape_run):
    """The submission cannot open the gradebook, so grades and stored test cells stay as nbgrader wrote them."""
    found = escape_run.results("gradebook")
    assert found["gradebook"] == [], found
    assert "Inconsistent checksums" not in escape_run.log


def names_starting_with(folder: Path, prefix: str) -> list[Path]:
    """Files and folders under ``folder`` whose name starts with ``prefix``.

    os.walk, not Path.rglob: other tests' sandboxes come and go in /tmp meanwhile,
    and a folder that vanishes mid-walk must not fail the search.
    """
    return [Path(top, name) for top, folders, files in os.walk(folder) for name in folders + files if name.startswith(prefix)]


def test_course_folder_home_and_host_tmp_cannot_be_written(escape_run):
    """Nothing the submission writes reaches the course folder, the instructor's home or the host's /tmp."""
    marker = escape_run.targets.marker
    private_tmp = f"/tmp/{marker}-tmp.txt"  # the sandbox's own /tmp: allowed, and gone with it
    assert [path for path in escape_run.results("write")["written"] if path != private_tmp] == []
    leftovers = [path for folder in (escape_run.course.root, Path(escape_run.targets.home), Path("/tmp"))
                 for path in names_starting_with(folder, marker)]
    assert leftovers == []


def test_no_process_outlives_its_kernel(escape_run):
    """A detached process and a double-forked daemon die with the sandbox; the file they meant to write never appears."""
    assert escape_run.results("process").get("started"), "the escape did not start its process"
    assert escape_run.survivors == [], "processes of the submission still run after grading"
    assert not list(escape_run.course.root.glob(f"{escape_run.targets.marker}-late.txt"))


def test_host_loopback_is_unreachable(escape_run):
    """No host port is reachable (not even one listening on 127.0.0.1), while the sandbox's own loopback works."""
    found = escape_run.results("network")
    assert escape_run.host_connections == [], "the submission connected to the host's service"
    # Ports the sandbox lists and reaches are its own (e.g. a helper's server); the host's port is never among them.
    assert escape_run.targets.port not in found["reached"] + found["listening_seen"], found
    assert found["reached_other_address"] == [], found
    assert found["own_server"] is True


def test_fork_bomb_is_contained_and_explained(escape_run):
    """A fork bomb stops at the process limit, which the submission's output names, and dies with the kernel."""
    errors = [output for output in escape_run.outputs("fork-bomb") if output.output_type == "error"]
    assert [e.ename for e in errors][:2] == ["ResourceLimitExceeded", "BlockingIOError"], errors
    assert "processes or threads" in errors[0].evalue


def test_twenty_gigabytes_are_refused(escape_run):
    """Allocating 20 GB raises MemoryError, explained; memory actually used stays under the limit."""
    found = escape_run.results("memory")
    # Without its ESCAPE line the kernel stopped before the end: show what the cells printed instead.
    assert "allocated_mb" in found, [(o.output_type, o.get("ename"), o.get("evalue"), o.get("text", "")[-500:])
                                     for o in escape_run.outputs("memory")]
    assert found["allocated_mb"] * 1024**2 <= 3 * 1024**3, found
    errors = [output for output in escape_run.outputs("memory") if output.output_type == "error"]
    assert [e.ename for e in errors] == ["ResourceLimitExceeded", "MemoryError"], errors
    assert "ran out of memory" in errors[0].evalue


def test_disk_cannot_be_filled(escape_run):
    """Every writable folder is a small in-memory one: the filler stops far below 1 GB in each, with the reason."""
    found = escape_run.results("disk")
    assert found["written_mb"] and all(mb <= 256 for mb in found["written_mb"].values()), found
    errors = [output for output in escape_run.outputs("disk") if output.output_type == "error"]
    assert errors and errors[0].ename == "ResourceLimitExceeded" and "scratch folder is full" in errors[0].evalue, errors
    assert shutil.disk_usage(escape_run.course.root).free > 1024**3


def test_autograde_refuses_without_bubblewrap(escape_run):
    """Where bwrap cannot run, autograde stops before grading anyone, saying how to install it and how to opt out."""
    before = escape_run.course.autograded_path(HONEST[0], ASSIGNMENT).stat().st_mtime_ns
    job = escape_run.course.start("autograde", ASSIGNMENT, "--force", "--Sandbox.bwrap=bwrap-not-installed", log_name="refused.log")
    log = job.wait(timeout=120, check=False)
    assert job.process.returncode != 0
    assert "apt-get install bubblewrap" in log and "c.Sandbox.enabled = False" in log, log[-3000:]
    assert escape_run.course.autograded_path(HONEST[0], ASSIGNMENT).stat().st_mtime_ns == before


def test_opting_out_grades_with_a_warning(escape_run):
    """With c.Sandbox.enabled = False autograde still grades, and says loudly that the sandbox is off."""
    job = escape_run.course.start("autograde", ASSIGNMENT, "--force", f"--student={HONEST[0]}", "--Sandbox.enabled=False",
                                  log_name="unsandboxed.log")
    log = job.wait(timeout=120)
    assert "SANDBOX OFF" in log
    assert escape_run.course.scores()[(ASSIGNMENT, HONEST[0])] == escape_run.scores[(ASSIGNMENT, HONEST[0])]
