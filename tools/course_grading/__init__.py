"""The course's grading code: nbgrader plug-ins and the tools around them, one module per job.

- ``preprocessors``: nbgrader preprocessors (bounded execution, output limits,
  feedback without hidden tests) and the pipelines ``nbgrader_config.py`` uses.
- ``parallel``, ``worker``, ``progress``: ``tools/course grade``, a class graded by N
  nbgrader workers into one gradebook (``python tools/course_grading grade``).
- ``student_edition``: ``tools/course student-edition``, the course without solutions.

``nbgrader_config.py`` loads this package from its folder (no ``sys.path``
change), so the names it needs are re-exported here.

Typical use (in ``nbgrader_config.py``)::

    grading = load_grading_package()
    c.Autograde.autograde_preprocessors = grading.autograde_pipeline()
"""

from .preprocessors import (
    LimitOutputSize,
    RecoveringExecute,
    StripHiddenTestOutput,
    autograde_pipeline,
    feedback_pipeline,
    translated,
)

__all__ = [
    "LimitOutputSize",
    "RecoveringExecute",
    "StripHiddenTestOutput",
    "autograde_pipeline",
    "feedback_pipeline",
    "translated",
]
