"""Say, in the course language, which grading limit a submission reached.

The sandbox (``sandbox.py``) limits memory, processes and threads, file
size, scratch space and CPU time. A submission that reaches a limit sees
Python's own error (``MemoryError``, ``OSError: [Errno 27] File too
large`` ...), which does not say that grading imposed it. This module adds
a sentence that does:

- ``ExplainResourceLimits`` (autograde, after the execution step) puts an
  error ``ResourceLimitExceeded: <sentence>`` before each such error in a
  cell's outputs; the feedback keeps it even for a test cell with hidden
  tests (``StripHiddenTestOutput`` treats it as a grader's note).
- ``kernel_stopped_note`` explains a kernel that the CPU-time limit
  stopped; ``RecoveringExecute`` writes it in place of "The kernel stopped".

Typical use::

    steps.insert(steps.index(RecoveringExecute) + 1, ExplainResourceLimits)
"""

from __future__ import annotations

import errno
import signal

from traitlets import Unicode

from nbgrader.preprocessors import NbGraderPreprocessor

from .preprocessors import _error_output, translated
from .sandbox import Sandbox

__all__ = ["LIMIT_ERROR", "ExplainResourceLimits", "kernel_stopped_note", "limit_reached"]

#: ``ename`` of the sentence this module adds.
LIMIT_ERROR = "ResourceLimitExceeded"


def _size(count: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} B"


def limit_reached(output) -> str | None:
    """Which limit an error output shows: "memory", "file size", "scratch space", "processes", or None.

    Typical use::

        limit_reached({"output_type": "error", "ename": "MemoryError", "evalue": ""})   # -> "memory"
    """
    if output.get("output_type") != "error":
        return None
    ename, evalue = output.get("ename", ""), output.get("evalue", "")
    if ename == "MemoryError":
        return "memory"
    if f"[Errno {errno.EFBIG}]" in evalue:
        return "file size"
    if f"[Errno {errno.ENOSPC}]" in evalue:
        return "scratch space"
    if "can't start new thread" in evalue or (ename == "BlockingIOError" and f"[Errno {errno.EAGAIN}]" in evalue):
        return "processes"
    return None


def limit_note(limit: str, settings: Sandbox, lang: str) -> str:
    """The sentence for ``limit`` in the course language ``lang``."""
    if limit == "memory":
        return translated(lang, "This ran out of memory: grading allows {size} per process. Does a loop keep data it no longer needs?",
                          size=_size(settings.memory_limit))
    if limit == "file size":
        return translated(lang, "A file grew past {size}, the largest file grading allows.", size=_size(settings.file_size_limit))
    if limit == "scratch space":
        return translated(lang, "The scratch folder is full: grading gives each folder {size}.", size=_size(settings.scratch_size))
    return translated(lang, "Too many processes or threads at once: grading allows {count}.", count=settings.process_limit)


def kernel_stopped_note(kernel_manager, lang: str) -> str | None:
    """Why the sandbox stopped a kernel that just died (the CPU-time limit), or None if it was something else.

    Typical use::

        kernel_stopped_note(self.km, "es")
    """
    status = getattr(kernel_manager, "last_exit_status", lambda: None)()
    settings = getattr(kernel_manager, "sandbox", None)
    if settings is None or not settings.enabled or status is None:
        return None
    cpu_signal = getattr(signal, "SIGXCPU", None)  # absent on Windows, where there is no sandbox
    if cpu_signal is not None and status in (128 + cpu_signal, -cpu_signal):
        return translated(lang, "The kernel used {seconds} s of CPU time, the most grading allows, and was stopped.",
                          seconds=settings.cpu_time_limit)
    return None


class ExplainResourceLimits(NbGraderPreprocessor):
    """Before each error that a grading limit caused, add a sentence naming the limit (course language)."""

    course_language = Unicode("", help="Language of the sentences.").tag(config=True)

    def preprocess(self, nb, resources):
        self._settings = Sandbox(parent=self)
        if not self._settings.enabled:
            return nb, resources
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code":
            return cell, resources
        outputs = []
        for output in cell.get("outputs", []):
            limit = limit_reached(output)
            if limit is not None:
                outputs.append(_error_output(LIMIT_ERROR, limit_note(limit, self._settings, self.course_language)))
            outputs.append(output)
        cell.outputs = outputs
        return cell, resources
