"""What the grading sandbox costs: per kernel and per graded submission, with and without it, in one run.

Three measurements, each alternating the two variants (ABAB...) so that a
busy machine slows both alike:

- process: ``python -c pass`` plain vs inside the sandbox (bwrap, setpriv,
  the launcher): the sandbox's own start-up;
- kernel: start a kernel and get its ``kernel_info`` reply, then shut it
  down, with jupyter_client's ``AsyncKernelManager`` (TCP, what nbgrader
  uses without the sandbox) vs ``SandboxedKernelManager`` (bwrap, IPC);
- autograde: ``nbgrader autograde`` of a few correct a2 submissions on a
  temporary copy of the course, with ``--Sandbox.enabled=False`` vs the
  course's configuration (sandbox on); the difference divided by the
  number of submissions is the cost per submission.

Target: sandbox overhead under 0.2 s per submission.
``kernel_start_cost()`` is the kernel measurement as a function, for other
benchmarks (benchmarks/grade_class.py) to call.

Typical use (from the repository root)::

    .venv/bin/python benchmarks/sandbox_cost.py                  # about 2 minutes
    .venv/bin/python benchmarks/sandbox_cost.py --rounds 5 --submissions 4
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "grading"))  # the grading tests' course copy and submissions

from grading_course import Course  # noqa: E402
from grading_submissions import reference  # noqa: E402

TARGET_OVERHEAD = 0.2
ASSIGNMENT = "a2-tcp-client"


def _grading():
    package = REPO / "tools" / "course_grading"
    spec = importlib.util.spec_from_file_location("course_grading_bench", package / "__init__.py", submodule_search_locations=[str(package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


grading = _grading()


def _process_seconds(sandboxed: bool) -> float:
    command = [sys.executable, "-c", "pass"]
    if sandboxed:
        command = grading.sandbox.sandboxed_command(command, settings=grading.Sandbox(), workdir="/tmp/bench")
    started = time.perf_counter()
    subprocess.run(command, check=True, timeout=60, stdin=subprocess.DEVNULL)
    return time.perf_counter() - started


async def _kernel_seconds(sandboxed: bool, workdir: str) -> tuple[float, float]:
    from jupyter_client import AsyncKernelManager

    manager_class = grading.SandboxedKernelManager if sandboxed else AsyncKernelManager
    started = time.perf_counter()
    km = manager_class(kernel_name="python3")
    await km.start_kernel(cwd=workdir)
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        ready = time.perf_counter() - started
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        await km.cleanup_resources()
    return ready, time.perf_counter() - started


def kernel_start_cost(rounds: int = 10) -> dict:
    """Median seconds from start to kernel_info reply, and to the end of shutdown, plain and sandboxed.

    Typical use::

        cost = kernel_start_cost(5)
        cost["sandboxed"]["ready"] - cost["plain"]["ready"]   # the sandbox's cost per kernel start
    """
    samples = {"plain": [], "sandboxed": []}
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as workdir:
        for _ in range(rounds):
            for name in samples:
                samples[name].append(asyncio.run(_kernel_seconds(name == "sandboxed", workdir)))
    return {name: {"ready": statistics.median(r for r, _t in values), "total": statistics.median(t for _r, t in values)}
            for name, values in samples.items()}


def autograde_cost(submissions: int, rounds: int) -> dict:
    """Median wall time of ``nbgrader autograde`` of ``submissions`` correct a2 notebooks, sandbox off and on."""
    walls = {"plain": [], "sandboxed": []}
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as workdir:
        course = Course.create(Path(workdir) / "course")
        course.nbgrader("generate_assignment", ASSIGNMENT, "--force")
        case = reference(ASSIGNMENT)
        for number in range(submissions):
            course.submit(f"student-{number:02d}", ASSIGNMENT, case.build(course.released(ASSIGNMENT)))
        for _ in range(rounds):
            for name in walls:
                switch = [] if name == "sandboxed" else ["--Sandbox.enabled=False"]
                started = time.perf_counter()
                course.nbgrader("autograde", ASSIGNMENT, "--force", *switch)
                walls[name].append(time.perf_counter() - started)
        scores = course.scores()
        full = all(score == points for key, cells in scores.items() for score, points, _m in cells.values())
    return {"plain": statistics.median(walls["plain"]), "sandboxed": statistics.median(walls["sandboxed"]), "full_marks": full}


def table(rows: list[tuple[str, float, float, str]]) -> str:
    header = ("measurement", "plain", "sandboxed", "ratio", "overhead")
    lines = [f"{header[0]:<44} {header[1]:>9} {header[2]:>10} {header[3]:>7} {header[4]:>10}"]
    for name, plain, sandboxed, unit in rows:
        lines.append(f"{name:<44} {plain:>8.3f}s {sandboxed:>9.3f}s {sandboxed / plain:>6.2f}x {sandboxed - plain:>+9.3f}s{unit}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="repetitions of each process and kernel measurement")
    parser.add_argument("--submissions", type=int, default=8, help="correct a2 submissions per autograde run")
    parser.add_argument("--autograde-rounds", type=int, default=2, help="autograde runs of each variant")
    args = parser.parse_args(argv)

    problem = grading.sandbox_problem(grading.Sandbox())
    if problem:
        print(problem)
        return 2
    processes = {"plain": [], "sandboxed": []}
    for _ in range(args.rounds):
        for name in processes:
            processes[name].append(_process_seconds(name == "sandboxed"))
    kernels = kernel_start_cost(args.rounds)
    grades = autograde_cost(args.submissions, args.autograde_rounds)
    per_submission = (grades["sandboxed"] - grades["plain"]) / args.submissions

    print(f"Grading sandbox cost on {os.cpu_count()} cores (medians; plain = no sandbox, same run)\n")
    print(table([
        (f"python -c pass ({args.rounds}x)", statistics.median(processes["plain"]), statistics.median(processes["sandboxed"]), ""),
        (f"kernel start to kernel_info reply ({args.rounds}x)", kernels["plain"]["ready"], kernels["sandboxed"]["ready"], ""),
        ("kernel start, reply and shutdown", kernels["plain"]["total"], kernels["sandboxed"]["total"], ""),
        (f"autograde {args.submissions} correct a2 ({args.autograde_rounds}x)", grades["plain"], grades["sandboxed"], ""),
    ]))
    print(f"\nsandbox overhead per graded submission: {per_submission:+.3f} s (target < {TARGET_OVERHEAD} s)")
    print(f"every submission has full marks: {'yes' if grades['full_marks'] else 'NO'}")
    return 0 if per_submission < TARGET_OVERHEAD and grades["full_marks"] else 1


if __name__ == "__main__":
    sys.exit(main())
