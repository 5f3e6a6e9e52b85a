"""What ``tools/course grade`` shows while it grades: a progress bar with counts and the time left.

In a terminal, a tqdm bar (done/total, elapsed, time left, rate, and how
many submissions were graded, failed or skipped) with one line per finished
submission above it. In a log (stderr is not a terminal) the same facts, one
plain line per submission, so a CI log or ``nohup`` file stays readable.

Typical use::

    progress = Progress(total=60)
    progress.finished("graded", "ada", "a2-tcp-client", "7/7", 1.4)
    progress.close()
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from tqdm import tqdm

__all__ = ["Progress", "format_seconds"]


def format_seconds(seconds: float) -> str:
    """``75.3`` -> ``"1:15"``; hours when needed (``"1:02:03"``)."""
    return tqdm.format_interval(max(0, int(round(seconds))))


class Progress:
    """Counts of graded / failed / skipped submissions, a bar in a terminal, plain lines in a log."""

    KINDS = ("graded", "failed", "skipped")

    def __init__(self, total: int, stream=None, unit: str = "submission"):
        self.total = total
        self.stream = stream or sys.stderr
        self.counts: Counter = Counter()
        self.started = time.monotonic()
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.bar = tqdm(total=total, unit=unit, file=self.stream, dynamic_ncols=True, smoothing=0.1,
                        disable=not self.interactive, desc="grading")

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def counts_text(self) -> str:
        return ", ".join(f"{self.counts[kind]} {kind}" for kind in self.KINDS if self.counts[kind] or kind == "graded")

    def time_left(self) -> float | None:
        """Seconds left at the rate so far (skipped submissions cost nothing, so they are not counted)."""
        worked = self.counts["graded"] + self.counts["failed"]
        left = self.total - self.done
        if not worked or not left:
            return 0.0 if not left else None
        return (time.monotonic() - self.started) / worked * left

    def say(self, line: str) -> None:
        """A line for the instructor, above the bar (or in the log)."""
        if self.interactive:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def finished(self, kind: str, student: str, assignment: str, detail: str, seconds: float) -> None:
        """Count one submission and show it."""
        self.counts[kind] += 1
        width = len(str(self.total))
        line = f"[{self.done:>{width}}/{self.total}] {kind:<7} {student}  {assignment}  {detail}"
        if seconds:
            line += f"  ({seconds:.1f} s)"
        if self.interactive:
            self.bar.write(line, file=self.stream)
            self.bar.set_postfix_str(self.counts_text(), refresh=False)
            self.bar.update(1)
        else:
            left = self.time_left()
            elapsed = format_seconds(time.monotonic() - self.started)
            eta = "" if left is None else f", about {format_seconds(left)} left"
            print(f"{line}  | {self.counts_text()} | {elapsed} elapsed{eta}", file=self.stream, flush=True)

    def close(self) -> None:
        self.bar.close()
