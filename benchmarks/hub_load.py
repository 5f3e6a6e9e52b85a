"""The trial hub under a class: server starts, every lesson at once, page response times, memory.

For each class size (1, 10 and 20 students by default) the benchmark starts a
real trial hub (``tests/hub/trial_hub.py``: real Unix users whose names start
with a random prefix, the real proxy, real single-user servers; all of it
removed afterwards, also on Ctrl+C) and adds the students, their languages
going round en, es, fr, id, zh-TW. Then:

1. every student signs in through the hub's login form, and all servers are
   started at the same moment: the time until the last one is ready, and the
   starts that failed;
2. the two pages a student sees most, the hub's ``/hub/home`` and the
   student's JupyterLab ``/user/NAME/lab`` (through the proxy), are fetched
   every 0.5 s for a while by the first student, on the idle hub: the baseline;
3. every student runs every lesson, all students at one signal, each as their
   own Unix user (``runuser``) on the lessons in their own home, in the
   environment the hub gives their server: a new kernel per lesson on ZMQ's
   IPC transport (as the hub's JupyterLab starts them; ``--transport tcp``:
   on TCP, jupyter_client's default), every cell top to
   bottom (the executed notebooks are not kept). Counted: kernel starts that
   failed, lessons that stopped on an error output, lessons not finished (the
   lesson's deadline passed, or the student's process died). Meanwhile the two
   pages are sampled as in (2);
4. the machine's memory in use at the peak (sampled every 0.2 s from before the
   servers started to the end of the lessons) minus before the servers started,
   divided by the class size. It counts everything on the machine, other jobs
   included.

Response times are the whole request (headers and body) in milliseconds:
median and 95th percentile, idle → loaded, and the ratio of the medians.

Typical use (from the repository root, as root on Linux: the hub makes Unix users)::

    .venv/bin/python benchmarks/hub_load.py                        # 1, 10, 20 students, every lesson
    .venv/bin/python benchmarks/hub_load.py --students 2 --lessons 00    # a quick try
    .venv/bin/python benchmarks/hub_load.py --students 20 --transport tcp   # the kernels on TCP
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hub"))
from class_lessons import LESSON_TIMEOUT, READY_TIMEOUT, TRANSPORTS, StudentRun, lesson_numbers  # noqa: E402
from trial_hub import HTTP_TIMEOUT, SERVER_START_TIMEOUT, HubSession, TrialHub  # noqa: E402

LANGUAGES = ["en", "es", "fr", "id", "zh-TW"]
PAGE_INTERVAL = 0.5
IDLE_SAMPLES = 30
MEMORY_INTERVAL = 0.2


class MemoryPeak:
    """The machine's memory in use, sampled in a thread: the value at start and the peak since."""

    def __init__(self):
        self.baseline = self.peak = psutil.virtual_memory().used
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(MEMORY_INTERVAL):
            self.peak = max(self.peak, psutil.virtual_memory().used)

    def close(self) -> int:
        """Stop sampling; return the peak minus the baseline, in bytes."""
        self._stop.set()
        self._thread.join(5)
        return max(0, self.peak - self.baseline)


class PageSampler:
    """Response times of ``/hub/home`` and ``/user/NAME/lab`` for one signed-in student, in ms."""

    def __init__(self, session: HubSession):
        self.session = session
        self.pages = {"home": "hub/home", "lab": f"user/{session.name}/lab"}
        self.times = {key: [] for key in self.pages}
        self.failures = {key: 0 for key in self.pages}
        self._stop = threading.Event()
        self._thread = None

    def sample_once(self) -> None:
        for key, path in self.pages.items():
            began = time.perf_counter()
            try:
                response = self.session.http.get(self.session.url + path, timeout=HTTP_TIMEOUT)
                ok = response.status_code == 200 and response.url.endswith(path)
            except requests.RequestException:
                ok = False
            if ok:
                self.times[key].append((time.perf_counter() - began) * 1000)
            else:
                self.failures[key] += 1

    def sample(self, count: int) -> None:
        """``count`` samples, one every PAGE_INTERVAL, in this thread."""
        for _ in range(count):
            began = time.perf_counter()
            self.sample_once()
            time.sleep(max(0.0, PAGE_INTERVAL - (time.perf_counter() - began)))   # the sampling interval

    def start(self) -> None:
        """Sample every PAGE_INTERVAL in a thread until ``stop()``."""
        def loop():
            while True:
                began = time.perf_counter()
                self.sample_once()
                if self._stop.wait(max(0.0, PAGE_INTERVAL - (time.perf_counter() - began))):
                    return
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2 * HTTP_TIMEOUT + 5)

    def summary(self, key: str) -> tuple[float, float]:
        """(median, 95th percentile) of a page's times; NaN without samples."""
        values = self.times[key]
        if not values:
            return float("nan"), float("nan")
        if len(values) == 1:
            return values[0], values[0]
        return statistics.median(values), statistics.quantiles(values, n=20, method="inclusive")[18]


def start_all(sessions: list[HubSession], pool: ThreadPoolExecutor) -> tuple[float, dict[str, str]]:
    """Start every session's server at once; (seconds until the last success, {name: why it failed})."""
    began = time.perf_counter()

    def start(session: HubSession):
        try:
            session.start_server()
            return time.perf_counter() - began, None
        except Exception as error:   # HubCommandError, an HTTP timeout, a refused connection ...
            return time.perf_counter() - began, f"{type(error).__name__}: {error}"

    futures = {session.name: pool.submit(start, session) for session in sessions}
    outcomes = {name: future.result(timeout=SERVER_START_TIMEOUT + 2 * HTTP_TIMEOUT + 30) for name, future in futures.items()}
    ready = [seconds for seconds, failure in outcomes.values() if failure is None]
    return (max(ready) if ready else float("nan")), {name: failure for name, (_, failure) in outcomes.items() if failure}


def run_class(size: int, lessons: list[str], transport: str = "ipc") -> dict:
    """One hub with ``size`` students through steps 1 to 4 of the module docstring; the hub is removed at the end."""
    prefix = f"zzload{secrets.token_hex(2)}"
    hub = TrialHub.create(prefix)
    runs: list[StudentRun] = []
    pool = ThreadPoolExecutor(size)
    memory = None
    row = {"size": size}
    try:
        hub.start()
        names = {f"{prefix}-s{number:02d}": LANGUAGES[(number - 1) % len(LANGUAGES)] for number in range(1, size + 1)}
        hub.add_students(names)
        sessions, failures = [], {}
        for name in names:
            session = hub.login(name)
            if session.signed_in:
                sessions.append(session)
            else:
                failures[name] = "the login form refused the password"
        memory = MemoryPeak()
        row["servers ready"], start_failures = start_all(sessions, pool)
        failures.update(start_failures)
        row["server failures"] = failures
        started = [session for session in sessions if session.name not in failures]
        print(f"  {size} students: {len(started)} servers ready in {row['servers ready']:.1f} s", file=sys.stderr, flush=True)

        if started:   # the baseline: the idle hub, every server up
            row["idle"], row["loaded"] = PageSampler(started[0]), PageSampler(started[0])
            row["idle"].sample(IDLE_SAMPLES)

        runs = [StudentRun(hub, session.name, lessons, transport=transport) for session in started]
        deadline = time.monotonic() + READY_TIMEOUT
        for run in runs:
            if not run.wait_ready(deadline):
                run.stop()
                print(f"  {run.name} did not start its lessons:\n{run.error_tail()}", file=sys.stderr)
        if row.get("loaded"):
            row["loaded"].start()
        began = time.perf_counter()
        for run in runs:
            run.go()
        for run in runs:
            run.join(LESSON_TIMEOUT * len(lessons) + 60)
        row["lessons wall"] = time.perf_counter() - began
        if row.get("loaded"):
            row["loaded"].stop()
        row["memory per student"] = memory.close() / size
        memory = None
        row["lessons run"] = len(runs) * len(lessons)
        row["start failed"] = sum(run.count("start failed") for run in runs)
        row["error output"] = sum(run.count("error output") for run in runs)
        row["unfinished"] = sum(run.unfinished for run in runs) + (len(names) - len(runs)) * len(lessons)
        for run in runs:
            if run.count("start failed") or run.count("error output") or run.unfinished:
                print(f"  {run.name}: {run.outcomes}\n{run.error_tail()}", file=sys.stderr)
        for name, failure in failures.items():
            print(f"  {name}'s server did not start: {failure[:1500]}", file=sys.stderr)
        return row
    finally:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl+C must not leave users behind
        try:
            print(f"  removing the hub {prefix} ...", file=sys.stderr, flush=True)
            if memory:
                memory.close()
            for run in runs:
                run.stop()
            pool.shutdown(wait=False, cancel_futures=True)
            hub.cleanup()
        finally:
            signal.signal(signal.SIGINT, previous)


def pages_cell(row: dict, key: str) -> str:
    """``p50/p95 → p50/p95 (×ratio of the medians)``, with the failed requests if any."""
    idle, loaded = row.get("idle"), row.get("loaded")
    if not idle or not loaded:
        return "n/a"
    (idle50, idle95), (load50, load95) = idle.summary(key), loaded.summary(key)
    failed = idle.failures[key] + loaded.failures[key]
    return (f"{idle50:.0f}/{idle95:.0f} → {load50:.0f}/{load95:.0f} (×{load50 / idle50:.1f})"
            + (f", {failed} failed" if failed else ""))


def print_table(rows: list[dict], lesson_count: int, load: tuple[float, float, float], transport: str) -> None:
    print(f"\n{lesson_count} lessons per student, kernels on {transport}, {psutil.cpu_count()} cores, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the start\n")
    header = ("students", "servers ready s", "server start failures", "lessons wall s", "kernel start failures",
              "error outputs", "lessons not finished", "/hub/home p50/p95 ms (idle → loaded)",
              "/user/…/lab p50/p95 ms (idle → loaded)", "machine MB/student")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in rows:
        print(f"{row['size']} | {row['servers ready']:.1f} | {len(row['server failures'])} | {row['lessons wall']:.0f} | "
              f"{row['start failed']} of {row['lessons run']} | {row['error output']} | {row['unfinished']} | "
              f"{pages_cell(row, 'home')} | {pages_cell(row, 'lab')} | {row['memory per student'] / 2**20:.0f}")


def stop_on_term(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[1, 10, 20], help="class sizes to run")
    parser.add_argument("--lessons", nargs="+", metavar="NN", help="lesson numbers (default: all)")
    parser.add_argument("--transport", choices=TRANSPORTS, default="ipc",
                        help="the lesson kernels' ZMQ transport (default: ipc, as the hub's servers start them)")
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.students):
        parser.error("class sizes must be at least 1")
    if sys.platform != "linux" or os.geteuid() != 0:
        parser.error("the trial hub makes Unix users: run as root on Linux")
    lessons = lesson_numbers(args.lessons)
    signal.signal(signal.SIGTERM, stop_on_term)   # the finally clauses remove the hub on a kill too
    load = os.getloadavg()
    rows = []
    try:
        for size in args.students:
            rows.append(run_class(size, lessons, args.transport))
    except KeyboardInterrupt:
        print("interrupted: the hub and its users are removed", file=sys.stderr)
        return 130
    print_table(rows, len(lessons), load, args.transport)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
