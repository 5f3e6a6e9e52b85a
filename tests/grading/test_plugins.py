"""The course's nbgrader preprocessors (tools/course_grading/) on hand-made cells: fast checks of each rule."""

from __future__ import annotations

import importlib.util
import sys

from grading_course import REPO
from nbformat.v4 import new_code_cell, new_output


def _grading():
    package = REPO / "tools" / "course_grading"
    spec = importlib.util.spec_from_file_location(
        "grading_plugins_under_test", package / "__init__.py", submodule_search_locations=[str(package)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


grading = _grading()

TEST_SOURCE = '"""A test."""\nassert visible()\n### BEGIN HIDDEN TESTS\nsecret = 42\nassert hidden(secret)\n### END HIDDEN TESTS'


def grade_cell(outputs, execution_count=7):
    cell = new_code_cell(TEST_SOURCE, execution_count=execution_count, outputs=outputs)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "locked": True, "points": 1, "solution": False}
    return cell


def error(ename, evalue, line):
    frame = f"\x1b[36mCell\x1b[39m \x1b[32mIn[7], line {line}\x1b[39m\n   3 ### BEGIN HIDDEN TESTS\n----> 4 secret = 42"
    student = "Cell In[3], line 2, in visible()\n----> 2 return False"
    return new_output("error", ename=ename, evalue=evalue, traceback=["-----", f"{ename}  Traceback", frame, student, f"{ename}: {evalue}"])


def strip(cell):
    cell, _resources = grading.StripHiddenTestOutput(course_language="en").preprocess_cell(cell, {}, 0)
    return cell.outputs


def test_visible_failure_keeps_message_and_student_frames_only():
    """A failure on a visible line keeps `ename: evalue` and the student's frames, never the test cell's own frame."""
    [output] = strip(grade_cell([error("AssertionError", "got 3", line=2)]))
    text = "\n".join(output.traceback)
    assert output.evalue == "got 3" and "In[3]" in text
    assert "In[7]" not in text and "secret" not in text


def test_hidden_failure_shows_one_sentence():
    """A failure in the hidden region shows its error name and a fixed sentence: no value, no line."""
    [output] = strip(grade_cell([error("AssertionError", "expected 42", line=5), new_output("stream", name="stdout", text="42")]))
    assert output.ename == "AssertionError" and "hidden test failed" in output.evalue
    assert "42" not in str(output)


def test_timeout_and_stderr_are_explained():
    """An interrupted test says it did not finish; a test that only wrote to stderr says why it scored 0."""
    [stopped] = strip(grade_cell([error("KeyboardInterrupt", "", line=4)]))
    assert "did not finish in time" in stopped.evalue
    [note] = strip(grade_cell([new_output("stream", name="stderr", text="Traceback ... secret = 42")]))
    assert note.name == "stderr" and "counts that as a failure" in note.text and "secret" not in note.text


def test_huge_output_is_cut():
    """LimitOutputSize keeps the first characters of a 50 MB output and says how long it was."""
    cell = new_code_cell("print('x' * 50_000_000)", outputs=[new_output("stream", name="stdout", text="x" * 50_000_000)])
    cell, _resources = grading.LimitOutputSize(max_chars=1000, course_language="en").preprocess_cell(cell, {}, 0)
    assert len(cell.outputs[0].text) < 1200 and "50000000 characters" in cell.outputs[0].text


SWALLOW = "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n    except KeyboardInterrupt:\n        pass"


def test_stuck_kernel_is_restarted_then_abandoned(tmp_path):
    """A kernel that ignores interrupts is restarted with earlier cells replayed; a second time, the rest is skipped."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [new_code_cell(source) for source in ("answer = 41", SWALLOW, "answer + 1", SWALLOW, "answer")]
    execute = grading.RecoveringExecute(
        timeout=2, probe_timeout=1, max_restarts=1, iopub_timeout=1, raise_on_iopub_timeout=False, shutdown_kernel="immediate"
    )
    notebook, _resources = execute.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})
    replayed, skipped = notebook.cells[2], notebook.cells[4]
    assert replayed.outputs[0]["data"]["text/plain"] == "42", replayed.outputs
    assert [output.get("ename") for output in skipped.outputs] == ["KernelUnresponsive"]


def exchange_picture():
    return new_output("display_data", data={"image/svg+xml": "<svg>exchange</svg>", "text/plain": "exchange", "text/html": "<b>extra</b>"},
                      metadata={"socket_course": {"exchange": True}})


def test_visible_failure_keeps_the_exchange_and_its_note():
    """A failed visible test keeps helpers' exchange picture (SVG and text only) and the note IPython prints under the error."""
    failed = error("AssertionError", "got 3", line=2)
    failed.traceback = failed.traceback + ["\x1b[0mThe exchange (shown above): the server waited."]  # IPython 9: a note is its own entry
    picture, output = strip(grade_cell([exchange_picture(), new_output("display_data", data={"text/plain": "other"}), failed]))
    assert picture.data == {"image/svg+xml": "<svg>exchange</svg>", "text/plain": "exchange"}
    text = "\n".join(output.traceback)
    assert text.count("AssertionError: got 3") == 1
    assert text.endswith("AssertionError: got 3\nThe exchange (shown above): the server waited.")


def test_hidden_failure_drops_the_exchange():
    """A failure in the hidden region keeps no picture: it could draw a hidden test's exchange."""
    outputs = strip(grade_cell([exchange_picture(), error("AssertionError", "expected 42", line=5)]))
    assert [output.output_type for output in outputs] == ["error"]
