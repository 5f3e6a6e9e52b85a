"""Limit notes (tools/course_grading/limits.py): a submission that reaches a sandbox limit is told which, in its language."""

from __future__ import annotations

import nbformat
from grading_package import load_grading
from nbformat.v4 import new_code_cell, new_output
from traitlets.config import Config

grading = load_grading()
limits = grading.limits


def error(ename, evalue):
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def test_each_limit_is_recognised():
    """MemoryError, EFBIG, ENOSPC and a refused fork or thread are recognised; an ordinary error is not."""
    assert limits.limit_reached(error("MemoryError", "")) == "memory"
    assert limits.limit_reached(error("OSError", "[Errno 27] File too large")) == "file size"
    assert limits.limit_reached(error("OSError", "[Errno 28] No space left on device")) == "scratch space"
    assert limits.limit_reached(error("BlockingIOError", "[Errno 11] Resource temporarily unavailable")) == "processes"
    assert limits.limit_reached(error("RuntimeError", "can't start new thread")) == "processes"
    assert limits.limit_reached(error("AssertionError", "expected 3")) is None
    assert limits.limit_reached(new_output("stream", name="stdout", text="MemoryError")) is None


def test_note_comes_first_in_the_course_language():
    """The note precedes Python's error, names the limit's value, and is written in the course language."""
    cell = new_code_cell("bytearray(20 * 1024**3)", outputs=[error("MemoryError", "")])
    explain = grading.ExplainResourceLimits(course_language="es")
    explain._settings = grading.Sandbox(memory_limit=3 * 1024**3)
    cell, _ = explain.preprocess_cell(cell, {}, 0)
    note, original = cell.outputs
    assert note.ename == limits.LIMIT_ERROR and original.ename == "MemoryError"
    assert "3 GB" in note.evalue
    assert note.evalue == grading.translated("es", "This ran out of memory: grading allows {size} per process. Does a loop keep data it no longer needs?", size="3 GB")
    assert note.evalue != grading.translated("en", "This ran out of memory: grading allows {size} per process. Does a loop keep data it no longer needs?", size="3 GB")


def test_no_note_without_the_sandbox():
    """With the sandbox switched off the errors stay as they are (the limits are not the grader's)."""
    config = Config()
    config.Sandbox.enabled = False
    notebook = nbformat.v4.new_notebook(cells=[new_code_cell("x", outputs=[error("MemoryError", "")])])
    notebook, _ = grading.ExplainResourceLimits(config=config).preprocess(notebook, {})
    assert [output.ename for output in notebook.cells[0].outputs] == ["MemoryError"]


def test_feedback_keeps_the_note_of_a_hidden_test():
    """A test cell with hidden tests that failed on a limit shows the limit's note in feedback, not "a hidden test failed"."""
    cell = new_code_cell('"""t"""\nassert f()\n### BEGIN HIDDEN TESTS\nassert g()\n### END HIDDEN TESTS', execution_count=3)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "locked": True, "points": 1, "solution": False}
    cell.outputs = [error(limits.LIMIT_ERROR, "Too many processes or threads at once: grading allows 64."), error("RuntimeError", "can't start new thread")]
    cell, _ = grading.StripHiddenTestOutput(course_language="en").preprocess_cell(cell, {}, 0)
    assert [(output.ename, output.evalue) for output in cell.outputs] == [(limits.LIMIT_ERROR, "Too many processes or threads at once: grading allows 64.")]


def test_cpu_limit_is_named_when_it_stops_the_kernel(tmp_path):
    """A real sandboxed kernel stopped by the CPU-time limit gets that reason in its cell, not only "the kernel stopped"."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [new_code_cell("while True: pass"), new_code_cell("1 + 1")]
    config = Config()
    config.Sandbox.cpu_time_limit = 1
    execute = grading.RecoveringExecute(config=config, timeout=20, course_language="fr", shutdown_kernel="immediate")
    notebook, _ = execute.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    [stopped] = notebook.cells[0].outputs
    expected = grading.translated("fr", "The kernel used {seconds} s of CPU time, the most grading allows, and was stopped.", seconds=1)
    assert (stopped.ename, stopped.evalue) == ("DeadKernelError", expected)
    assert notebook.cells[1].outputs[0]["data"]["text/plain"] == "2"  # the restarted kernel grades the rest
