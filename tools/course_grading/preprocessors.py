"""nbgrader plug-ins of the course: grading that never hangs, never floods, never leaks hidden tests.

``nbgrader_config.py`` loads this package and puts three preprocessors into
nbgrader's pipelines:

- ``RecoveringExecute`` (autograde): nbgrader's ``Execute`` plus three things.
  Test cells get a shorter deadline than the student's own cells. The kernel
  gets the course language (``COURSE_LANG``) in its environment, so
  ``helpers.setup()`` speaks the instructor's language. And a kernel that
  ignores the interrupt after a timeout (student code that swallows
  ``KeyboardInterrupt``) or that died (``os._exit``) is restarted, the
  earlier non-test cells run again, and grading goes on; otherwise every
  remaining cell would wait for the full timeout, or the submission would
  be left ungraded.
- ``LimitOutputSize`` (autograde): caps each output at a number of
  characters. nbgrader's ``LimitOutput`` counts lines, so one 50 MB line
  would reach the gradebook and the feedback untouched.
- ``StripHiddenTestOutput`` (feedback): a test cell's outputs can show hidden
  test code (a traceback prints the lines around the failure) or hidden
  values (an assertion message). In feedback each test cell keeps at most
  one output: the error of a visible test, or a sentence for a hidden
  failure, a timeout or output on stderr.

Custom preprocessors must keep ``enabled = True`` (the default of
``NbGraderPreprocessor``); nbconvert silently skips disabled ones.

Typical use (in ``nbgrader_config.py``)::

    grading = load_module("socket_course_grading", COURSE_ROOT / "tools" / "course_grading" / "__init__.py", package=True)
    c.Autograde.autograde_preprocessors = grading.autograde_pipeline()
    c.GenerateFeedback.preprocessors = grading.feedback_pipeline()
"""

from __future__ import annotations

import os
import re
from queue import Empty
from time import monotonic

from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from traitlets import Float, Integer, Unicode

from helpers.messages import _, get_language, set_language
from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests, Execute, LimitOutput, NbGraderPreprocessor

__all__ = [
    "RecoveringExecute",
    "LimitOutputSize",
    "StripHiddenTestOutput",
    "autograde_pipeline",
    "feedback_pipeline",
    "translated",
]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: Errors that mean "the cell was stopped", not "a test failed".
_STOPPED = ("KeyboardInterrupt", "CellTimeoutError")
#: Errors the grader writes itself (RecoveringExecute; limits.ExplainResourceLimits: "ResourceLimitExceeded").
_GRADER_ERRORS = ("DeadKernelError", "KernelUnresponsive", "ResourceLimitExceeded")
#: Notes of a visible failure kept in feedback (helpers add one; more would be the submission's own).
_MAX_NOTES = 3


def translated(lang: str, message: str, **values) -> str:
    """``message`` in the course language ``lang`` (the helpers' catalogs), without changing it for good.

    Typical use::

        translated("es", "# YOUR CODE HERE")
    """
    previous = get_language()
    set_language(lang or "en")
    try:
        return _(message, **values)
    finally:
        set_language(previous)


def _error_output(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class RecoveringExecute(Execute):
    """nbgrader's ``Execute`` with a shorter deadline for test cells, the course language, and a stuck-kernel rescue.

    Test cells get ``test_cell_timeout`` seconds (the course's tests need about
    one); other cells, the student's own code, get ``timeout``.

    After a cell times out, nbgrader interrupts the kernel. If the kernel still
    does not answer within ``probe_timeout`` seconds, or if it died (``sys.exit``
    does not kill it, ``os._exit`` does), it is restarted and the notebook's
    earlier cells, except test cells and cells that timed out, run again
    silently, so later tests grade the functions the student did write.
    After ``max_restarts`` restarts the remaining cells are not run and get an
    error output (score 0), which bounds the cost of any submission.
    """

    course_language = Unicode("", help="Course language given to the kernel as COURSE_LANG.").tag(config=True)
    test_cell_timeout = Integer(6, help="Seconds a test (grade) cell may run; the timeout applies to other cells.").tag(config=True)
    probe_timeout = Float(2.0, help="Seconds a kernel may take to answer after an interrupt.").tag(config=True)
    max_restarts = Integer(2, help="Kernel restarts per notebook before the remaining cells are skipped.").tag(config=True)

    def __init__(self, **kwargs):
        # nbgrader's Execute passes kernel_manager_class=AsyncKernelManager, which beats any config: choose the
        # grading sandbox's manager here (an ordinary AsyncKernelManager when c.Sandbox.enabled is False).
        from .sandbox import SandboxedKernelManager

        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(**kwargs)

    def reset_execution_trackers(self) -> None:
        super().reset_execution_trackers()
        self._cell_timed_out = False
        self._timed_out_cells: set[int] = set()
        self._restarts = 0
        self._abandoned = False

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        if cell is not None and utils.is_grade(cell) and self.test_cell_timeout > 0:
            return min(timeout, self.test_cell_timeout) if timeout else self.test_cell_timeout
        return timeout

    async def async_start_new_kernel(self, **kwargs) -> None:
        if self.course_language:
            kwargs.setdefault("env", {**os.environ, "COURSE_LANG": self.course_language})
        await super().async_start_new_kernel(**kwargs)

    # nbclient binds the sync names to its own coroutines: rebind them to ours.
    start_new_kernel = run_sync(async_start_new_kernel)

    async def _async_handle_timeout(self, timeout, cell=None):
        self._cell_timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if self._abandoned and cell.cell_type == "code" and cell.source.strip():
            cell.outputs = [
                _error_output(
                    "KernelUnresponsive",
                    translated(self.course_language, "Not run: the notebook stopped responding in an earlier cell."),
                )
            ]
            return cell
        self._cell_timed_out = False
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except DeadKernelError:  # os._exit(), a crash, the OOM killer
            self.log.warning("The kernel died in cell %d; restarting it and replaying earlier cells.", cell_index)
            from .limits import kernel_stopped_note  # the sandbox's CPU-time limit, if that was it

            note = kernel_stopped_note(self.km, self.course_language)
            cell.outputs.append(
                _error_output("DeadKernelError", note or translated(self.course_language, "The kernel stopped while running this cell."))
            )
            self._timed_out_cells.add(cell_index)
            await self._recover(cell_index)
            return cell
        if self._cell_timed_out:
            self._timed_out_cells.add(cell_index)
            if not await self._kernel_answers(self.probe_timeout):
                await self._recover(cell_index)
        return cell

    execute_cell = run_sync(async_execute_cell)

    async def _kernel_answers(self, timeout: float) -> bool:
        """True if the kernel replies to a kernel_info request within ``timeout`` seconds."""
        msg_id = self.kc.kernel_info()
        return await self._reply_arrives(msg_id, timeout)

    async def _reply_arrives(self, msg_id: str, timeout: float) -> bool:
        deadline = monotonic() + timeout
        while (remaining := deadline - monotonic()) > 0:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=remaining)
            except Empty:
                return False
            if msg["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    async def _recover(self, stuck_index: int) -> None:
        if self._restarts >= self.max_restarts:
            self.log.error("The kernel ignores interrupts again; the remaining cells are not run.")
            self._abandoned = True
            return
        self._restarts += 1
        self.log.warning("The kernel ignored the interrupt; restarting it and replaying earlier cells.")
        await self._restart()
        for index, earlier in enumerate(self.nb.cells[:stuck_index]):
            if earlier.cell_type != "code" or not earlier.source.strip():
                continue
            if utils.is_grade(earlier) or index in self._timed_out_cells:
                continue
            msg_id = self.kc.execute(earlier.source, silent=True, store_history=False, allow_stdin=False)
            if not await self._reply_arrives(msg_id, float(self.timeout or 30)):
                self.log.error("Replaying cell %d did not finish; restarting without it.", index)
                await self._restart()
                return

    async def _restart(self) -> None:
        await self.km.restart_kernel(now=True)
        await self.kc.wait_for_ready(timeout=self.startup_timeout)


class LimitOutputSize(NbGraderPreprocessor):
    """Cap every output of every code cell at ``max_chars`` characters (a 50 MB print becomes a few KB)."""

    max_chars = Integer(10_000, help="Characters kept per output (-1 means no limit).").tag(config=True)
    course_language = Unicode("", help="Language of the truncation note.").tag(config=True)

    def _cut(self, text: str) -> str:
        if not isinstance(text, str) or len(text) <= self.max_chars:
            return text
        note = translated(self.course_language, "... output truncated: {count} characters in all ...", count=len(text))
        return text[: self.max_chars] + "\n" + note + "\n"

    def preprocess_cell(self, cell, resources, cell_index):
        if self.max_chars < 0 or cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                output.text = self._cut(output.text)
            elif output.output_type == "error":
                output.evalue = self._cut(output.evalue)
                output.traceback = [self._cut(line) for line in output.traceback]
            elif "data" in output:
                for mime, value in list(output.data.items()):
                    if isinstance(value, str) and len(value) > self.max_chars:
                        if mime == "text/plain":
                            output.data[mime] = self._cut(value)
                        else:  # a huge HTML table or image: keep only a note
                            del output.data[mime]
                            output.data.setdefault("text/plain", self._cut(value[: self.max_chars] + "…"))
        return cell, resources


class StripHiddenTestOutput(NbGraderPreprocessor):
    """In feedback, replace the outputs of test cells that hold hidden tests with one safe line.

    A failure on a visible line keeps its ``ename: evalue`` and the frames of
    the student's own code (the student can read that test anyway). A failure
    inside the hidden region, a timeout or an interrupt shows only the
    error's name and a sentence; so does output on stderr, which nbgrader
    counts as a failure. The cell's own traceback frames and printed output
    are dropped: they can quote hidden lines or values. Run it before
    ``ClearHiddenTests``, which removes the hidden source.
    """

    course_language = Unicode("", help="Language of the replacement sentences.").tag(config=True)
    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)

    def _hidden_from_line(self, source: str) -> int | None:
        for number, line in enumerate(source.split("\n"), start=1):
            if self.begin_test_delimeter in line:
                return number
        return None

    def _failing_line(self, output, execution_count) -> int | None:
        """The line of this cell's top-level code that raised (its outermost frame), or None."""
        if execution_count is None:
            return None
        pattern = re.compile(rf"In\s*\[{execution_count}\],\s*line\s+(\d+)")
        lines = [int(m.group(1)) for entry in output.get("traceback", []) for m in pattern.finditer(_ANSI.sub("", entry))]
        return lines[0] if lines else None

    def _visible_failure(self, output, hidden_from: int, execution_count) -> bool:
        """True when a visible line raised: the hidden tests of this cell never ran."""
        line = self._failing_line(output, execution_count)
        return line is not None and line < hidden_from and output.get("ename", "Error") not in _STOPPED + _GRADER_ERRORS

    def _summary(self, output, hidden_from: int, execution_count) -> NotebookNode:
        line = self._failing_line(output, execution_count)
        ename = output.get("ename", "Error")
        if ename in _GRADER_ERRORS:  # written by RecoveringExecute: nothing hidden in them
            return _error_output(ename, output.get("evalue", ""))
        if self._visible_failure(output, hidden_from, execution_count):
            # A visible test failed: keep the frames of the student's own code, never those of
            # this cell, which print the lines around the failure (maybe hidden ones), and the
            # error's notes (helpers.show_exchange_on_failure adds the exchange's summary there).
            evalue = _ANSI.sub("", output.get("evalue", ""))
            summary = _error_output(ename, evalue)
            this_cell = f"In[{execution_count}]"
            traceback = output.get("traceback", [])
            last = _error_line_index(traceback, ename)
            frames = [entry for entry in traceback[1:last] if this_cell not in _ANSI.sub("", entry)]
            notes = _notes(traceback[last:], ename, evalue)
            summary.traceback = frames + [summary.traceback[0] + "".join(f"\n{note}" for note in notes)]
            return summary
        if ename in _STOPPED:
            text = translated(self.course_language, "The test did not finish in time: is a loop or a blocking call waiting forever?")
        else:
            text = translated(self.course_language, "A hidden test failed. Check the cases the instructions describe, not only the visible tests.")
        return _error_output(ename, text)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not utils.is_grade(cell):
            return cell, resources
        hidden_from = self._hidden_from_line(cell.source)
        if hidden_from is None:
            return cell, resources
        outputs = cell.get("outputs", [])
        errors = [output for output in outputs if output.output_type == "error"]
        if errors:
            summary = self._summary(errors[0], hidden_from, cell.get("execution_count"))
            pictures = []
            if self._visible_failure(errors[0], hidden_from, cell.get("execution_count")):
                # The diagram of the failed visible test's own exchange: drawn before the hidden
                # part could run. Only helpers' SVG and its text, nothing else the cell displayed.
                pictures = [_exchange_picture(output) for output in outputs if _is_exchange_picture(output)]
            cell.outputs = pictures + [summary]
        elif any(output.output_type == "stream" and output.name == "stderr" for output in outputs):
            # nbgrader scores a test cell that wrote to stderr 0; say why, without the text itself
            # (a background thread's traceback quotes the code it ran, hidden lines included).
            note = translated(
                self.course_language,
                "This test wrote to stderr (a warning, or an error in a background thread); nbgrader counts that as a failure.",
            )
            cell.outputs = [NotebookNode(output_type="stream", name="stderr", text=note + "\n")]
        else:
            cell.outputs = []
        return cell, resources


def _error_line_index(traceback: list[str], ename: str) -> int:
    """Index of the traceback entry that starts with the error's name (IPython prints notes after it)."""
    for index in range(len(traceback) - 1, 0, -1):
        if _ANSI.sub("", traceback[index]).lstrip().startswith(ename):
            return index
    return max(len(traceback) - 1, 1)


def _notes(tail: list[str], ename: str, evalue: str) -> list[str]:
    """The notes (``BaseException.add_note``) that IPython prints under an error's last line.

    ``tail`` starts at the error's own line; IPython 9 gives each note an entry
    of its own after it, older versions append them to that line's entry.
    """
    if not tail:
        return []
    first = _ANSI.sub("", tail[0])
    head = f"{ename}: {evalue}" if evalue else ename
    rest = first.split(head, 1)[1] if head in first else ""
    lines = rest.split("\n") + [line for entry in tail[1:] for line in _ANSI.sub("", entry).split("\n")]
    return [line for line in lines if line.strip()][:_MAX_NOTES]


def _is_exchange_picture(output) -> bool:
    """A display of ``helpers.show_exchange_on_failure``: its metadata mark and an SVG."""
    if output.get("output_type") != "display_data":
        return False
    mark = output.get("metadata", {}).get("socket_course", {})
    return isinstance(mark, dict) and mark.get("exchange") is True and "image/svg+xml" in output.get("data", {})


def _exchange_picture(output) -> NotebookNode:
    """Only the SVG and its plain-text form, with the mark: nothing else the output carried."""
    data = {key: output["data"][key] for key in ("image/svg+xml", "text/plain") if key in output["data"]}
    return NotebookNode(output_type="display_data", data=data, metadata={"socket_course": {"exchange": True}})


def _replace(pipeline, old, new):
    return [new if step is old else step for step in pipeline]


def autograde_pipeline() -> list:
    """nbgrader's autograde steps with ``RecoveringExecute``, ``ExplainResourceLimits`` and ``LimitOutputSize`` added.

    Typical use::

        c.Autograde.autograde_preprocessors = autograde_pipeline()
    """
    from nbgrader.converters import Autograde

    steps = _replace(list(Autograde.class_traits()["autograde_preprocessors"].default()), Execute, RecoveringExecute)
    steps.insert(steps.index(LimitOutput) + 1, LimitOutputSize)
    from .limits import ExplainResourceLimits  # names the sandbox limit a submission reached

    steps.insert(steps.index(RecoveringExecute) + 1, ExplainResourceLimits)
    return steps


def feedback_pipeline() -> list:
    """nbgrader's feedback steps plus ``StripHiddenTestOutput`` and ``ClearHiddenTests`` (nbgrader issue 917).

    Typical use::

        c.GenerateFeedback.preprocessors = feedback_pipeline()
    """
    from nbgrader.converters import GenerateFeedback

    steps = list(GenerateFeedback.class_traits()["preprocessors"].default())
    position = 1  # right after GetGrades, before the HTML styling
    steps[position:position] = [StripHiddenTestOutput, ClearHiddenTests]
    return steps
