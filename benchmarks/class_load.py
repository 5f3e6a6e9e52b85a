"""A whole class running the lessons at the same moment: time, memory and kernel starts per student.

Each student is a process of its own with a home of its own (a temporary folder
holding a copy of the lessons in the student's language; the languages go round
en, es, fr, id, zh-TW). At one signal every student starts; each opens every
lesson in turn, as a student working through the course does: a new kernel per
lesson, every cell run top to bottom, the kernel shut down.

Printed, for each class size (1, 10 and 20 students by default) and each kernel
transport asked for:

- the wall time until the last student finished, and a student's mean time,
  with its ratio to one student alone (measured in the same run);
- kernel starts that failed (the kernel died or never answered ``kernel_info``),
  and lessons that stopped on an error output;
- the peak memory of a student's kernels (resident set of the kernel and its
  children, sampled every 0.2 s), and the machine's memory in use at the peak
  minus before the run, divided by the class size;
- the CPU time (user + system) of a student's kernels over all lessons, read at
  each kernel's last sample (so up to 0.2 s of each kernel is missed).

``--transport tcp`` is jupyter_client's default (five TCP ports per kernel,
chosen free and bound a moment later by the kernel); ``ipc`` is what the
course's Jupyter servers use on Linux and macOS (the sockets are files in the
student's private runtime folder: no ports to race for). ``both`` runs both.

Typical use (from the repository root)::

    .venv/bin/python benchmarks/class_load.py                        # 1, 10, 20 students, IPC
    .venv/bin/python benchmarks/class_load.py --students 10 --transport both --runs 3
    .venv/bin/python benchmarks/class_load.py --students 20 --lessons 00 03 04 05 07
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

import nbformat
import psutil

REPO = Path(__file__).resolve().parents[1]
LANGUAGES = ["en", "es", "fr", "id", "zh-TW"]
#: Seconds a cell may take, as under nbval; seconds a kernel may take to answer kernel_info.
CELL_TIMEOUT = 120
STARTUP_TIMEOUT = 60
SAMPLE_SECONDS = 0.2
#: The longest a whole class may take before the benchmark gives up on a student.
CLASS_TIMEOUT = 3600
STALL_SECONDS = 300      # no lesson finished for this long: the student is stuck (one lesson alone takes under 10 s)


def lesson_names(prefixes: list[str] | None) -> list[str]:
    """The English lessons' file names, all of them or those whose number is in ``prefixes``."""
    names = sorted(path.name for path in (REPO / "notebooks" / "en").glob("[0-9][0-9]-*.ipynb"))
    if not prefixes:
        return names
    chosen = [name for name in names if name[:2] in prefixes]
    unknown = set(prefixes) - {name[:2] for name in chosen}
    if unknown:
        raise SystemExit(f"no lesson numbered {', '.join(sorted(unknown))}")
    return chosen


def make_home(root: Path, number: int) -> tuple[Path, str]:
    """A student's home with the lessons of their language; returns (lessons folder, language)."""
    language = LANGUAGES[(number - 1) % len(LANGUAGES)]
    home = root / f"s{number:02d}"
    lessons = home / "notebooks" / language
    shutil.copytree(REPO / "notebooks" / language, lessons)
    (home / "rt").mkdir(mode=0o700)
    return lessons, language


class KernelMemory:
    """Samples the resident memory of one kernel process and its children; keeps the peak."""

    def __init__(self):
        self.peak = 0
        self.cpu_seconds = 0.0     # user + system time of the kernels, summed at their last sample
        self._cpu_of_current = 0.0
        self._pid = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def watch(self, pid: int | None) -> None:
        self.cpu_seconds += self._cpu_of_current
        self._cpu_of_current = 0.0
        self._pid = pid

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            pid = self._pid
            if pid is None:
                continue
            try:
                process = psutil.Process(pid)
                family = [process, *process.children(recursive=True)]
                total = sum(member.memory_info().rss for member in family)
                times = [member.cpu_times() for member in family]
            except psutil.Error:
                continue
            self.peak = max(self.peak, total)
            if pid == self._pid:
                self._cpu_of_current = sum(t.user + t.system for t in times)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)


def run_lesson(path: Path, transport: str, runtime: Path, memory: KernelMemory) -> str:
    """Run one lesson in a new kernel; return "ok", "start failed" or "error output"."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:   # the stored run's counts would make a kernel that never started look as if it ran
        if cell.cell_type == "code":
            cell.execution_count, cell.outputs = None, []
    settings = {"transport": transport, "connection_file": str(runtime / f"kernel-{path.name[:2]}.json")}
    if transport == "ipc":
        settings["ip"] = str(runtime / f"k{path.name[:2]}")   # socket files: rt/k05-1, rt/k05-2 ...
    client = NotebookClient(notebook, kernel_name="python3", timeout=CELL_TIMEOUT,
                            startup_timeout=STARTUP_TIMEOUT, record_timing=False,
                            config=Config({"KernelManager": settings}), kernel_manager_class=AsyncKernelManager,
                            resources={"metadata": {"path": str(path.parent)}},
                            on_notebook_start=lambda **_: memory.watch(getattr(client.km.provisioner, "pid", None)))
    try:
        client.execute()
    except CellExecutionError:
        return "error output"
    except Exception:   # the kernel died or never answered: did any cell run?
        ran = any(cell.get("execution_count") for cell in notebook.cells if cell.cell_type == "code")
        traceback.print_exc(limit=2)
        return "error output" if ran else "start failed"
    finally:
        memory.watch(None)
    return "ok"


def student(number: int, root: str, lessons: list[str], transport: str, ready, go, results, progress) -> None:
    """One student: make the home, say so, wait for the signal, then every lesson in turn.

    ``progress[number - 1]`` is the monotonic time of the student's last finished lesson: the
    class kills a student stuck longer than STALL_SECONDS (jupyter_client can block for ever in
    a send to a kernel that died at start, seen here on TCP).
    """
    folder, language = make_home(Path(root), number)
    memory = KernelMemory()
    outcomes = []
    ready.put(number)
    go.wait(CLASS_TIMEOUT)
    began = time.perf_counter()
    progress[number - 1] = time.monotonic()
    for name in lessons:
        outcomes.append(run_lesson(folder / name, transport, folder.parents[1] / "rt", memory))
        progress[number - 1] = time.monotonic()
    seconds = time.perf_counter() - began
    memory.close()
    results.put({"student": number, "language": language, "seconds": seconds,
                 "start failed": outcomes.count("start failed"), "error output": outcomes.count("error output"),
                 "peak": memory.peak, "cpu": memory.cpu_seconds})


def run_class(size: int, lessons: list[str], transport: str) -> dict:
    """Run ``size`` students at once; return their results and the machine's memory figures."""
    context = multiprocessing.get_context("spawn")
    ready, go, results = context.Queue(), context.Event(), context.Queue()
    progress = context.Array("d", size)
    with tempfile.TemporaryDirectory(prefix="class-") as root:
        processes = [context.Process(target=student, args=(n, root, lessons, transport, ready, go, results, progress))
                     for n in range(1, size + 1)]
        for process in processes:
            process.start()
        for _ in processes:   # every home is ready before the clock starts
            ready.get(timeout=120)
        baseline = psutil.virtual_memory().used
        peak_used = baseline
        began = time.perf_counter()
        go.set()
        collected = []
        deadline = began + CLASS_TIMEOUT
        given_up, dead_once = set(), set()
        while len(collected) + len(given_up) < size and time.perf_counter() < deadline:
            try:
                collected.append(results.get(timeout=SAMPLE_SECONDS))
            except Exception:   # queue.Empty: sample the machine's memory meanwhile
                pass
            peak_used = max(peak_used, psutil.virtual_memory().used)
            reported = {result["student"] for result in collected}
            for number, process in enumerate(processes, start=1):
                stuck = progress[number - 1] and time.monotonic() - progress[number - 1] > STALL_SECONDS
                if number in reported or number in given_up:
                    continue
                if process.is_alive() and stuck:
                    process.kill()
                    given_up.add(number)
                    print(f"  student {number} made no progress for {STALL_SECONDS} s: stopped", file=sys.stderr)
                elif not process.is_alive():   # gone without a result (seen dead twice: its result may be in transit)
                    (given_up if number in dead_once else dead_once).add(number)
        wall = time.perf_counter() - began
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
    return {"size": size, "transport": transport, "wall": wall, "students": collected,
            "stopped": size - len(collected),
            "memory per student": max(0, peak_used - baseline) / size}


def print_table(rows: list[dict], lesson_count: int) -> None:
    """One line per class size and transport, with the ratio to one student alone."""
    alone = {row["transport"]: statistics.mean(s["seconds"] for s in row["students"])
             for row in rows if row["size"] == 1 and row["students"]}
    print(f"\n{lesson_count} lessons per student, {psutil.cpu_count()} cores\n")
    header = ("students", "transport", "wall s", "student s", "x alone", "start failed", "error output",
              "students stuck", "kernel peak MB", "machine MB/student", "kernel CPU s/student")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for row in rows:
        students = row["students"]
        mean = statistics.mean(s["seconds"] for s in students) if students else float("nan")
        ratio = mean / alone[row["transport"]] if row["transport"] in alone else float("nan")
        failed = sum(s["start failed"] for s in students)
        errors = sum(s["error output"] for s in students)
        peak = statistics.median(s["peak"] for s in students) / 2**20 if students else float("nan")
        print(f"{row['size']} | {row['transport']} | {row['wall']:.0f} | {mean:.0f} | {ratio:.1f} | "
              f"{failed} of {len(students) * lesson_count} | {errors} | {row['stopped']} | {peak:.0f} | "
              f"{row['memory per student'] / 2**20:.0f} | "
              f"{statistics.mean(s['cpu'] for s in students) if students else float('nan'):.1f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[1, 10, 20], help="class sizes to run")
    parser.add_argument("--transport", choices=["ipc", "tcp", "both"], default="ipc")
    parser.add_argument("--lessons", nargs="+", metavar="NN", help="lesson numbers (default: all)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each class size")
    args = parser.parse_args(argv)
    if any(size < 1 for size in args.students) or args.runs < 1:
        parser.error("class sizes and --runs must be at least 1")
    if args.transport != "tcp" and sys.platform == "win32":
        parser.error("the IPC transport needs Linux or macOS: use --transport tcp")
    lessons = lesson_names(args.lessons)
    transports = ["tcp", "ipc"] if args.transport == "both" else [args.transport]
    sizes = sorted(set(args.students) | {1})   # one student alone is the baseline
    rows = []
    for transport in transports:
        for size in sizes:
            for _ in range(args.runs if size > 1 else 1):
                row = run_class(size, lessons, transport)
                rows.append(row)
                print(f"  {size} students, {transport}: {row['wall']:.0f} s", file=sys.stderr, flush=True)
    print_table(rows, len(lessons))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
