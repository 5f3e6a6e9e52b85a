"""Grade a synthetic class and report how fast grading goes, and where the time goes.

The class hands in one assignment (a2-tcp-client by default): mostly the
reference solution, a fifth common mistakes, and one submission that hangs.
Each run grades a fresh copy of the same class, on a temporary copy of the
course, as an instructor would:

1. ``nbgrader autograde <assignment>``: one command, one submission after
   another (the baseline, measured in the same run);
2. ``tools/course grade <assignment> --workers 1``;
3. ``tools/course grade <assignment> --workers N`` (N: 3 per core, the command's default).

Printed: submissions per minute of each and the ratio to the baseline; the
median time of a correct submission and what the hanging one cost over it;
where a submission's time goes (CPU of nbgrader, CPU of the kernel, start-up
costs paid per command, per worker and per kernel); whether every run wrote
the same gradebook.

The grading sandbox (tools/course_grading/sandbox.py, issue 14 part 1):
``--sandbox on`` or ``off`` appends ``c.Sandbox.enabled = True/False`` to the
copy's nbgrader_config.py for every run; ``--sandbox compare`` grades the
N-worker run both ways and prints the sandbox's cost per submission. The
default, ``config``, leaves nbgrader_config.py as it is.

Targets on a 2-core machine: at least 60 submissions a minute with N workers,
a hanging submission less than 10 s more than a correct one, the sandbox
under 0.2 s per submission.

Typical use (from the repository root)::

    .venv/bin/python benchmarks/grade_class.py
    .venv/bin/python benchmarks/grade_class.py --students 60 --sandbox compare
    .venv/bin/python benchmarks/grade_class.py --no-baseline --workers 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "grading"))  # the grading tests' course copy, submissions, gradebook dump

from gradebook_dump import dump_gradebook  # noqa: E402
from grading_course import LANG, Course, release_tool  # noqa: E402
from grading_submissions import HOSTILE, MISTAKES, Case, code, reference, reference_sources  # noqa: E402

TARGET_PER_MINUTE = 60
TARGET_HANG_EXTRA = 10.0
TARGET_SANDBOX_COST = 0.2


def hanging_case(assignment: str) -> Case:
    """A submission that hangs: a2's classic read loop without `break`, else a top-level endless loop."""
    for case in HOSTILE:
        if case.assignment == assignment and case.student == "hostile-infinite-loop":
            return case
    sources = reference_sources(assignment)
    first = next(iter(sources))
    return Case("hanging", assignment, "an endless loop at the top of a cell",
                {first: sources[first] + "\n\n" + code("while True:\n    pass")})


def synthetic_class(assignment: str, size: int) -> list[tuple[str, Case]]:
    """(student id, submission) for a class of ``size``: one hanging, a fifth wrong, the rest right."""
    mistakes = [case for case in MISTAKES if case.assignment == assignment]
    wrong = max(1, size // 5) if mistakes else 0
    hang_at = size // 2
    students = []
    for number in range(size):
        student = f"student-{number + 1:03d}"
        if number == hang_at:
            case = hanging_case(assignment)
        elif number % 5 == 1 and wrong:
            case = mistakes[(number // 5) % len(mistakes)]
            wrong -= 1
        else:
            case = reference(assignment)
        students.append((student, case))
    return students


def kind_of(case: Case) -> str:
    if case.student.startswith(("hostile", "hanging")):
        return "hanging"
    return "correct" if case.student.startswith("reference") else "wrong"


def set_sandbox(course: Course, sandbox: str) -> None:
    """The sandbox hook: ``on``/``off`` append ``c.Sandbox.enabled`` to the copy's config; ``config`` leaves it."""
    if sandbox in ("on", "off"):
        with open(course.root / "nbgrader_config.py", "a") as config:
            config.write(f"\nc.Sandbox.enabled = {sandbox == 'on'}  # benchmarks/grade_class.py --sandbox {sandbox}\n")


def sandbox_available(course: Course) -> bool:
    return (course.root / "tools" / "course_grading" / "sandbox.py").is_file()


def run_nbgrader(course: Course, assignment: str, students: list[str]) -> dict:
    """The baseline: one ``nbgrader autograde`` command for the class; per-submission times from file times."""
    started, batch_start = time.monotonic(), time.time()
    course.nbgrader("autograde", assignment, timeout=3600)
    wall = time.monotonic() - started
    finished = sorted((os.path.getmtime(course.autograded_path(s, assignment)), s) for s in students)
    seconds, previous = {}, batch_start
    for moment, student in finished:
        seconds[student] = moment - previous  # the first one also carries nbgrader's start-up
        previous = moment
    return {"wall": wall, "seconds": seconds, "first": finished[0][1], "cpu": {}}


def run_parallel(course: Course, assignment: str, workers: int) -> dict:
    """``tools/course grade`` (its Python entry point, as tools/course runs it) with ``workers`` workers."""
    report = course.root / "grade.json"
    command = [sys.executable, str(course.root / "tools" / "course_grading"), "grade", assignment,
               "--workers", str(workers), "--json", str(report)]
    started = time.monotonic()
    done = subprocess.run(command, cwd=course.root, env=release_tool.nbgrader_environment(LANG),
                          capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"tools/course grade failed ({done.returncode}):\n{done.stderr[-4000:]}")
    outcomes = json.loads(report.read_text())["outcomes"]
    return {"wall": wall, "seconds": {o["student"]: o["seconds"] for o in outcomes}, "first": None,
            "cpu": {o["student"]: o["cpu"] for o in outcomes}}


def startup_costs(course: Course, assignment: str) -> dict:
    """Seconds paid per nbgrader command, per grading worker, and per kernel (median of three each)."""
    env = release_tool.nbgrader_environment(LANG)

    def timed(command, **kwargs) -> float:
        started = time.monotonic()
        subprocess.run(command, cwd=course.root, env=env, capture_output=True, text=True, timeout=300, **kwargs)
        return time.monotonic() - started

    private = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    shutil.copy2(course.root / "gradebook.db", private / "gradebook.db")
    worker = [sys.executable, str(course.root / "tools" / "course_grading"), "worker", "--course", str(course.root), "--private", str(private)]
    kernel = [sys.executable, "-c", (
        "import tempfile, time\nfrom jupyter_client.manager import KernelManager\n"
        "folder = tempfile.mkdtemp(); km = KernelManager(kernel_name='python3', transport='ipc', ip=folder + '/kernel')\n"
        "t = time.monotonic(); km.start_kernel(); kc = km.client(); kc.start_channels(); kc.wait_for_ready(timeout=60)\n"
        "print(time.monotonic() - t); km.shutdown_kernel(now=True)\n")]
    costs = {
        "nbgrader command start-up": statistics.median(
            timed(course.command("autograde", assignment, "--student=nobody-at-all")) for _ in range(3)),
        "grading worker start-up": statistics.median(timed(worker, input="") for _ in range(3)),
    }
    kernel_starts = []
    for _ in range(3):
        done = subprocess.run(kernel, capture_output=True, text=True, timeout=120, env=env)
        kernel_starts.append(float(done.stdout.strip().splitlines()[-1]))
    costs["kernel start to ready (IPC)"] = statistics.median(kernel_starts)
    shutil.rmtree(private, ignore_errors=True)
    return costs


def summarise(name: str, run: dict, kinds: dict, size: int, baseline_wall: float | None) -> dict:
    seconds = run["seconds"]
    correct = [seconds[s] for s, k in kinds.items() if k == "correct" and s != run["first"]]
    hanging = next(s for s, k in kinds.items() if k == "hanging")
    median = statistics.median(correct)
    cpu = [run["cpu"][s] for s, k in kinds.items() if k == "correct" and s in run["cpu"]]
    return {
        "name": name,
        "wall": run["wall"],
        "per_minute": size / run["wall"] * 60,
        "ratio": (baseline_wall / run["wall"]) if baseline_wall else None,
        "median": median,
        "hang": seconds[hanging],
        "hang_extra": seconds[hanging] - median,
        "cpu_worker": statistics.median(c["worker"] for c in cpu) if cpu else None,
        "cpu_kernels": statistics.median(c["kernels"] for c in cpu) if cpu else None,
    }


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def children_cpu() -> float:
    """CPU seconds of every finished child process of this one (and theirs, when they waited for them)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_cpu() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (Linux's /proc/stat), or None elsewhere.

    Counts what RUSAGE_CHILDREN misses: a sandboxed kernel is reaped inside its PID namespace, and
    its CPU does not reach this process. On a quiet machine it is the run's own CPU.
    """
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="a2-tcp-client")
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3 * cores(), help="N of the parallel run (default: 3 per core, as tools/course grade)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false", help="skip the nbgrader autograde run")
    parser.add_argument("--sandbox", choices=("config", "on", "off", "compare"), default="config",
                        help="the grading sandbox: as nbgrader_config.py sets it, forced on or off, or both ways (its cost)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary courses")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="grade-class-"))
    load_before = os.getloadavg()
    try:
        source = Course.create(workdir / "source")
        source.nbgrader("generate_assignment", args.assignment, "--force")
        students = synthetic_class(args.assignment, args.students)
        released = source.released(args.assignment)
        for student, case in students:
            source.submit(student, args.assignment, case.build(released))
        kinds = {student: kind_of(case) for student, case in students}
        has_sandbox = sandbox_available(source)
        if args.sandbox != "config" and not has_sandbox:
            print(f"(no grading sandbox in this course yet: --sandbox {args.sandbox} changes nothing)\n")
        sandbox = args.sandbox if args.sandbox != "compare" else "off"

        def copy(name: str, mode: str) -> Course:
            course = source.clone(workdir / name)
            set_sandbox(course, mode)
            return course

        plan = []
        if args.baseline:
            plan.append(("nbgrader autograde (one command)", copy("baseline", sandbox), None))
        plan.append(("tools/course grade --workers 1", copy("workers-1", sandbox), 1))
        plan.append((f"tools/course grade --workers {args.workers}", copy("workers-n", sandbox), args.workers))
        if args.sandbox == "compare" and has_sandbox:
            plan.append((f"  same, sandbox on", copy("workers-n-sandbox", "on"), args.workers))
        costs = startup_costs(plan[0][1], args.assignment)

        results, dumps, baseline_wall = [], {}, None
        for name, course, workers in plan:
            cpu_before, machine_before = children_cpu(), machine_cpu()
            run = run_nbgrader(course, args.assignment, [s for s, _ in students]) if workers is None else \
                run_parallel(course, args.assignment, workers)
            result = summarise(name, run, kinds, args.students, baseline_wall)
            # CPU of the whole run (commands, workers, kernels), per submission: barely moved by other load.
            result["cpu_total"] = (children_cpu() - cpu_before) / args.students
            machine_after = machine_cpu()
            result["cpu_machine"] = (machine_after - machine_before) / args.students if machine_after is not None else None
            busiest = max(result["cpu_total"], result["cpu_machine"] or 0.0)
            result["idle_rate"] = 60 * min(workers or 1, cores()) / busiest
            if workers is None:
                baseline_wall = run["wall"]
                result["ratio"] = 1.0
            results.append(result)
            dumps[name] = dump_gradebook(course.root / "gradebook.db")
            print(f"... {name}: {result['wall']:.1f} s", file=sys.stderr, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    load_after = os.getloadavg()

    counts = {kind: list(kinds.values()).count(kind) for kind in ("correct", "wrong", "hanging")}
    first = next(iter(dumps.values()))
    same = all(dump == first for dump in dumps.values())
    full = all(all(g[0] == g[3] for nb in first[(args.assignment, s)]["notebooks"].values() for g in nb["grades"].values())
               for s, k in kinds.items() if k == "correct")

    rows = [["run", "wall", "per minute", "vs nbgrader", "median correct", "hanging", "hanging extra",
             "CPU/submission", "(nbgrader", "kernel)", "machine CPU/submission", "per minute, free cores"]]
    for r in results:
        rows.append([r["name"], f"{r['wall']:.1f} s", f"{r['per_minute']:.1f}", f"{r['ratio']:.2f}x" if r["ratio"] else "-",
                     f"{r['median']:.2f} s", f"{r['hang']:.1f} s", f"{r['hang_extra']:.1f} s", f"{r['cpu_total']:.2f} s",
                     f"{r['cpu_worker']:.2f} s" if r["cpu_worker"] is not None else "-",
                     f"{r['cpu_kernels']:.2f} s" if r["cpu_kernels"] is not None else "-",
                     f"{r['cpu_machine']:.2f} s" if r["cpu_machine"] is not None else "-", f"{r['idle_rate']:.0f}"])
    print(f"Grading {args.students} submissions of {args.assignment} ({counts['correct']} correct, {counts['wrong']} wrong, "
          f"{counts['hanging']} hanging) on {cores()} cores; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print(f"sandbox: {'not in this course yet' if not has_sandbox else args.sandbox}\n")
    print(table(rows))
    print("CPU/submission: every process of the run that this one waited for (commands, workers, kernels outside a\n"
          "sandbox: a sandboxed kernel is reaped inside its PID namespace, so its CPU is not counted there);\n"
          "machine CPU/submission: every busy CPU second of the machine during the run (includes other load);\n"
          "'free cores': the rate that the larger of the two allows when the run has min(workers, cores) cores to itself.")
    print("\nStart-up costs (median of 3):")
    print(table([[name, f"{value:.2f} s"] for name, value in costs.items()]))
    parallel = next(r for r in results if r["name"].startswith(f"tools/course grade --workers {args.workers}"))
    sandboxed = [r for r in results if "sandbox on" in r["name"]]
    # The target is the class graded as an instructor grades it: with the sandbox, when the run has one.
    graded = sandboxed[0] if sandboxed else parallel
    verdicts = [
        ("submissions per minute, N workers" + (", sandbox on" if sandboxed else ""),
         f"{graded['per_minute']:.1f} (target >= {TARGET_PER_MINUTE})", graded["per_minute"] >= TARGET_PER_MINUTE),
        ("hanging submission over a correct one", f"{parallel['hang_extra']:.1f} s (target < {TARGET_HANG_EXTRA:g})", parallel["hang_extra"] < TARGET_HANG_EXTRA),
        ("same gradebook from every run", "yes" if same else "NO", same),
        ("every correct submission has full marks", "yes" if full else "NO", full),
    ]
    if sandboxed:
        cost = sandboxed[0]["median"] - parallel["median"]
        verdicts.append(("sandbox cost per submission (median)", f"{cost:+.2f} s (target < {TARGET_SANDBOX_COST})", cost < TARGET_SANDBOX_COST))
    print()
    print(table([[name, value] for name, value, _ok in verdicts]))
    if args.keep:
        print(f"\ncourses kept in {workdir}")
    return 0 if all(ok for _n, _v, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
