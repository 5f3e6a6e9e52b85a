"""Every lesson for a whole class at once: each student, as their own Unix user, runs the lessons in their home.

Used by the trial hub's class test (tests/hub/test_trial_hub.py) and the load benchmark
(benchmarks/hub_load.py). ``StudentRun`` starts the RUNNER script as the
student (``runuser``) in the environment the hub gives their server: a new
kernel per lesson on ZMQ's IPC transport (as the hub's JupyterLab starts
them; ``transport="tcp"`` gives jupyter_client's default instead, five TCP
ports per kernel), every cell top to bottom, one JSON line per lesson. Each student's
runner imports its tools first and says "ready"; ``go()`` starts them all at
one signal, so the lessons really run at the same moment.

Typical use::

    runs = [StudentRun(hub, name, lesson_numbers(None)) for name in hub.students]
    deadline = time.monotonic() + READY_TIMEOUT
    assert all(run.wait_ready(deadline) for run in runs)
    for run in runs: run.go()
    for run in runs: run.join(LESSON_TIMEOUT * len(run.lessons))
    print({run.name: run.outcomes for run in runs})
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time

import psutil

from trial_hub import REPO, TrialHub, homes

#: Seconds a cell may take (as under nbval), a kernel may take to answer, a whole lesson may take
#: (twenty students on two cores run a lesson in about 20 s each).
CELL_TIMEOUT = 120
STARTUP_TIMEOUT = 60
LESSON_TIMEOUT = 300
#: Seconds for a student's process to import its tools and say it is ready.
READY_TIMEOUT = 180
#: The kernels' ZMQ transports: "ipc" as the hub's servers start them, "tcp" as jupyter_client does by default.
TRANSPORTS = ("ipc", "tcp")
#: ipykernel's warning at each start on TCP: twenty students' worth would bury the errors in a report.
UNENCRYPTED_TCP = "Kernel is running over TCP without encryption"

#: Runs as the student (``runuser``): import, say "ready", wait for the signal on stdin, then run
#: the lessons numbered in argv in turn (after the timeouts and the transport), one JSON line per
#: lesson on stdout.
RUNNER = r"""
import json, os, sys, time, traceback, uuid
from pathlib import Path
import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from traitlets.config import Config

cell_timeout, startup_timeout, transport = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
runtime = Path(os.environ["JUPYTER_RUNTIME_DIR"])
print("ready", flush=True)
sys.stdin.readline()
for number in sys.argv[4:]:
    began = time.monotonic()
    found = sorted(Path.home().glob(f"sockets-course/notebooks/*/{number}-*.ipynb"))
    if not found:
        print(f"{number}: no such lesson in {Path.home()}/sockets-course", file=sys.stderr, flush=True)
        print(json.dumps({"lesson": number, "outcome": "missing", "seconds": 0, "transport": None}), flush=True)
        continue
    notebook = nbformat.read(found[0], as_version=4)
    for cell in notebook.cells:   # stored counts would make a kernel that never started look as if it ran
        if cell.cell_type == "code":
            cell.execution_count, cell.outputs = None, []
    settings = {"transport": transport, "connection_file": str(runtime / f"kernel-{uuid.uuid4()}.json")}
    ran_on = {}

    def read_transport(notebook):   # once the kernel answers: the transport its connection file gave it
        ran_on["transport"] = json.loads(Path(settings["connection_file"]).read_text())["transport"]

    client = NotebookClient(notebook, kernel_name="python3", timeout=cell_timeout, startup_timeout=startup_timeout,
                            record_timing=False, config=Config({"KernelManager": settings}),
                            kernel_manager_class=AsyncKernelManager, on_notebook_start=read_transport,
                            resources={"metadata": {"path": str(found[0].parent)}})
    try:
        client.execute()
        outcome = "ok"
    except CellExecutionError as error:
        outcome = "error output"
        print(f"{number}: {str(error).strip().splitlines()[-1][:300]}", file=sys.stderr, flush=True)
    except Exception:   # the kernel died or never answered: did any cell run?
        ran = any(cell.get("execution_count") for cell in notebook.cells if cell.cell_type == "code")
        outcome = "error output" if ran else "start failed"
        print(f"{number}: {outcome}", file=sys.stderr, flush=True)
        traceback.print_exc(limit=2)
    print(json.dumps({"lesson": number, "outcome": outcome, "seconds": time.monotonic() - began,
                      "transport": ran_on.get("transport")}), flush=True)
"""


def lesson_numbers(prefixes: list[str] | None) -> list[str]:
    """The lessons' numbers ("00" ... "14"), all of them or those in ``prefixes``."""
    numbers = sorted(path.name[:2] for path in (REPO / "notebooks" / "en").glob("[0-9][0-9]-*.ipynb"))
    if not prefixes:
        return numbers
    unknown = sorted(set(prefixes) - set(numbers))
    if unknown:
        raise SystemExit(f"no lesson numbered {', '.join(unknown)}")
    return [number for number in numbers if number in prefixes]


def kill_tree(pid: int) -> None:
    """Kill a process and all its descendants (a kernel runs in a session of its own, under the runner)."""
    try:
        process = psutil.Process(pid)
        family = [*process.children(recursive=True), process]
    except psutil.Error:
        return
    for member in family:
        try:
            member.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(family, timeout=10)


class StudentRun:
    """One student's lessons: the RUNNER as their Unix user, read line by line with deadlines."""

    def __init__(self, hub: TrialHub, name: str, lessons: list[str], niceness: int = 0, transport: str = "ipc"):
        """``niceness`` > 0 runs the student's runner and kernels at that lower CPU priority (``nice -n``);
        ``transport`` is one of TRANSPORTS."""
        if transport not in TRANSPORTS:
            raise ValueError(f"transport is one of {', '.join(TRANSPORTS)}, not {transport!r}")
        self.transport = transport
        self.name = name
        self.lessons = lessons
        self.outcomes: dict[str, str] = {}
        self.transports: set[str] = set()   # the transports in the lessons' kernels' connection files
        self.errors = tempfile.TemporaryFile()   # the runner's stderr (a pipe could fill and block it)
        environment = {**homes.server_environment(hub.state, name), "LANG": "C.UTF-8"}
        self.process = subprocess.Popen(
            ["runuser", "-u", name, "--", "nice", "-n", str(niceness), "env", "-i",
             *(f"{key}={value}" for key, value in environment.items()),
             sys.executable, "-c", RUNNER, str(CELL_TIMEOUT), str(STARTUP_TIMEOUT), transport, *lessons],
            cwd=hub.home(name), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors,
            start_new_session=True,   # Ctrl+C reaches this script only; the finally clause stops the runners
        )
        self._buffer = b""
        self._thread = None

    def _line(self, deadline: float) -> str | None:
        """The runner's next stdout line, or None at end of file or when ``deadline`` passes."""
        descriptor = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([descriptor], [], [], left)[0]:
                return None
            chunk = os.read(descriptor, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def wait_ready(self, deadline: float) -> bool:
        return self._line(deadline) == "ready"

    def go(self) -> None:
        """Give the signal and read the lessons' outcomes in a thread."""
        try:
            self.process.stdin.write(b"go\n")
            self.process.stdin.close()
        except OSError:
            pass
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for _ in self.lessons:
            line = self._line(time.monotonic() + LESSON_TIMEOUT)
            if line is None:
                break
            result = json.loads(line)
            self.outcomes[result["lesson"]] = result["outcome"]
            if result["transport"]:
                self.transports.add(result["transport"])
        try:
            self.process.wait(30)   # after its last lesson the runner exits by itself
        except subprocess.TimeoutExpired:
            pass
        self.stop()

    def join(self, timeout: float) -> None:
        if self._thread:
            self._thread.join(timeout)

    @property
    def unfinished(self) -> int:
        return sum(1 for lesson in self.lessons if self.outcomes.get(lesson, "not finished") in ("not finished", "missing"))

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)

    def stop(self) -> None:
        """Kill the runner (and its kernel) if it still runs; idempotent."""
        if self.process.poll() is None:
            kill_tree(self.process.pid)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def error_tail(self, size: int = 1500) -> str:
        """The end of the runner's stderr, without the warning every TCP kernel prints at start."""
        self.errors.seek(0)
        lines = self.errors.read().decode("utf-8", "replace").splitlines()
        return "\n".join(line for line in lines if UNENCRYPTED_TCP not in line)[-size:].strip()
