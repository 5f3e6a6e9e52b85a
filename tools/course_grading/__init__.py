"""The course's grading code: nbgrader plug-ins and the tools around them, one module per job.

- ``preprocessors``: nbgrader preprocessors (bounded execution, output limits,
  feedback without hidden tests) and the pipelines ``nbgrader_config.py`` uses.
- ``sandbox``: every autograde kernel in a bubblewrap sandbox (``Sandbox`` settings,
  ``SandboxedKernelManager``, ``SandboxCheck`` that refuses to grade without it).
- ``limits``: the sentence, in the course language, naming a sandbox limit a submission reached.
- ``settings``: a bad setting stops every nbgrader command (exit 2) instead of running with defaults.
- ``export``: ``nbgrader export`` with a ``status`` column (missing, failed and zero told apart).
- ``lms_export``: ``tools/course export-grades``, the gradebook as a CSV file Canvas or Moodle imports.
- ``feedback_page``: the feedback page's labels in the course language (its template).
- ``languages``: an assignment is graded in the language it was registered in, or not at all.
- ``collect``: ``nbgrader zip_collect`` reads Moodle's and Canvas's download names.
- ``regrade``: ``tools/course regrade``, grade again and rewrite the feedback pages.
- ``checksums``: tampered test cells reported once, untouched ones silent (nbgrader issue 1961).
- ``parallel``, ``worker``, ``progress``: ``tools/course grade``, a class graded by N
  nbgrader workers into one gradebook (``python tools/course_grading grade``).
- ``student_edition``: ``tools/course student-edition``, the course without solutions.

``nbgrader_config.py`` loads this package from its folder (no ``sys.path``
change), so the names it needs are re-exported here.

Typical use (in ``nbgrader_config.py``)::

    grading = load_module("socket_course_grading", COURSE_ROOT / "tools" / "course_grading" / "__init__.py", package=True)
    c.Autograde.autograde_preprocessors = grading.autograde_pipeline()
"""

from . import feedback_page
from .collect import PlatformCollector
from .languages import CheckCourseLanguage
from .export import StatusCsvExport
from .checksums import ReportingOverwriteCells, read_report, sanitize_pipeline
from .limits import ExplainResourceLimits
from .sandbox import Sandbox, SandboxCheck, SandboxedKernelManager, sandbox_problem
from .preprocessors import (
    LimitOutputSize,
    RecoveringExecute,
    StripHiddenTestOutput,
    autograde_pipeline,
    feedback_pipeline,
    translated,
)

__all__ = [
    "ExplainResourceLimits",
    "StatusCsvExport",
    "PlatformCollector",
    "CheckCourseLanguage",
    "feedback_page",
    "ReportingOverwriteCells",
    "Sandbox",
    "SandboxCheck",
    "SandboxedKernelManager",
    "read_report",
    "sandbox_problem",
    "sanitize_pipeline",
    "LimitOutputSize",
    "RecoveringExecute",
    "StripHiddenTestOutput",
    "autograde_pipeline",
    "feedback_pipeline",
    "translated",
]
