"""nbgrader configuration of the socket-programming course.

Run every nbgrader command from this folder (the repository root); nbgrader
reads this file from the current folder. The course root is this file's
folder, wherever the repository is cloned.

    solutions/<lang>/<assignment>/   nbgrader's source (instructor, with solutions and hidden tests)
    exercises/<lang>/<assignment>/   nbgrader's release (students), made by `nbgrader generate_assignment`
    submitted/ autograded/ feedback/ gradebook.db   grading data, never in git (.gitignore)

COURSE LANGUAGE -- the one place to choose it:
    COURSE_LANG=es nbgrader autograde a2-tcp-client
The environment variable COURSE_LANG (en, es, fr, id, zh-TW; default "en")
selects solutions/<lang> and exercises/<lang>, the language of the
"# YOUR CODE HERE" stubs and of the feedback notes, and it is handed to the
grading kernel so that helpers.setup() shows messages in that language.
(It is not exported to this process's environment: JupyterLab also reads
this file, and the lessons there must keep their own folder's language.)

A BAD SETTING STOPS THE COMMAND (tools/course_grading/settings.py): a wrong
COURSE_LANG or any line of this file that raises ends the nbgrader command
with exit code 2 and a message, before anything is written. Without this,
nbgrader would log the error and run with its defaults, whose feedback shows
the hidden tests. Add your own settings at the end of the file.

TIMEOUTS (see docs/instructors.md):
- A test cell may run for TEST_CELL_TIMEOUT seconds, any other cell for
  CELL_TIMEOUT; then the kernel is interrupted and the cell fails (a test cell
  scores 0). A kernel that ignores the interrupt is restarted
  (tools/course_grading/), so one stuck submission costs seconds, not minutes,
  and the batch goes on.
- While nbgrader runs a notebook it sets NBGRADER_EXECUTION, and
  helpers.setup() then gives every socket a 3 s timeout instead of 10 s.
"""

import importlib.util
import sys
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent
#: Seconds one cell of the student's code may run while grading.
CELL_TIMEOUT = 15
#: Seconds one test cell may run (the slowest honest test needs 1.4 s on a busy 2-core machine). A test
#: that shows a wrong client's exchange waits for the socket's 3 s timeout first: with 4 s, on a host busy
#: with a class's lessons, it ran out and the feedback lost the diagram. Each stuck test costs this much:
#: the classic endless read loop of a2 hits two.
TEST_CELL_TIMEOUT = 6
#: Seconds a cell's output may still be on its way once the kernel has said the cell is done. nbclient's
#: default, 4 s, lost a 50 MB print's output (and the note that it was cut) on a host busy with grading in
#: parallel; on a quiet machine that output arrives 0.3 s after the reply. A kernel that ignores the
#: interrupt costs this wait too, before the 2 s probe.
OUTPUT_TIMEOUT = 10


def load_module(name: str, path: Path, package: bool = False):
    """Import a file of tools/course_grading/ under ``name`` without touching sys.path."""
    if name not in sys.modules:
        location = [str(path.parent)] if package else None
        spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=location)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# A mistake below (a wrong COURSE_LANG, a typo, a missing package) stops the command with exit 2 and a
# message: traitlets would otherwise log it and run nbgrader with its defaults, hidden tests in feedback included.
settings = load_module("socket_course_settings", COURSE_ROOT / "tools" / "course_grading" / "settings.py")
settings.stop_on_config_errors()  # covers lines added below the block too
with settings.fail_closed():
    LANG = settings.course_language()
    grading = load_module("socket_course_grading", COURSE_ROOT / "tools" / "course_grading" / "__init__.py", package=True)
    c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

    # Where things are.
    c.CourseDirectory.root = str(COURSE_ROOT)
    c.CourseDirectory.course_id = "sockets"
    c.CourseDirectory.source_directory = f"solutions/{LANG}"
    c.CourseDirectory.release_directory = f"exercises/{LANG}"
    c.CourseDirectory.submitted_directory = "submitted"
    c.CourseDirectory.autograded_directory = "autograded"
    c.CourseDirectory.feedback_directory = "feedback"

    # Students' notebooks start with "# YOUR CODE HERE" in the course language.
    c.ClearSolutions.code_stub = {"python": grading.translated(LANG, "# YOUR CODE HERE") + "\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = grading.translated(LANG, "YOUR ANSWER HERE")

    # Bounded grading: every cell has a deadline, and nothing a student does stops the batch.
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.interrupt_on_timeout = True
    c.Execute.raise_on_iopub_timeout = False  # a kernel that swallows KeyboardInterrupt is still graded
    c.Execute.iopub_timeout = OUTPUT_TIMEOUT
    c.Execute.shutdown_kernel = "immediate"  # the outputs are in: stop the kernel without waiting for its threads
    c.RecoveringExecute.test_cell_timeout = TEST_CELL_TIMEOUT
    c.RecoveringExecute.course_language = LANG
    c.Autograde.autograde_preprocessors = grading.autograde_pipeline()
    c.LimitOutputSize.max_chars = 10_000
    c.LimitOutputSize.course_language = LANG
    # A test cell the student deleted is put back (an edited one is restored anyway: test cells are locked).
    c.OverwriteCells.add_missing_cells = True

    # Sandbox (tools/course_grading/sandbox.py): every autograde kernel runs in bubblewrap, with its own network
    # and processes, read-only system and course environment, in-memory scratch folders and resource limits
    # (c.Sandbox.memory_limit, process_limit, file_size_limit, cpu_time_limit, scratch_size). Autograde refuses
    # to start where bubblewrap cannot run. False grades without a sandbox (unsafe; a warning on every run).
    c.Sandbox.enabled = True
    c.Autograde.exporter_class = grading.SandboxCheck
    c.ExplainResourceLimits.course_language = LANG
    # Tampering (tools/course_grading/checksums.py): an untouched submission logs nothing; an edited, unflagged or
    # deleted test cell is reported once (log, flag in the formgrader, tampering.csv) and the original grades it.
    c.Autograde.sanitize_preprocessors = [grading.CheckCourseLanguage, *grading.sanitize_pipeline()]
    # ... and an assignment registered in another language is refused, not graded with the wrong tests.
    c.CheckCourseLanguage.course_language = LANG

    # zip_collect: a Moodle or Canvas download in downloaded/<assignment>/archive/, the platform's id as student id.
    c.ZipCollectApp.collector_plugin = grading.PlatformCollector

    # grades.csv tells "not submitted", "not graded" (grading failed) and a real zero apart (tools/course_grading/export.py).
    c.ExportApp.plugin_class = grading.StatusCsvExport

    # Feedback never shows hidden tests: neither their source nor their tracebacks (nbgrader issue 917).
    c.GenerateFeedback.preprocessors = grading.feedback_pipeline()
    c.StripHiddenTestOutput.course_language = LANG
    # ... and speaks the course language: nbgrader's labels ("Student's answer", "Score") translated.
    grading.feedback_page.configure(c, LANG)
