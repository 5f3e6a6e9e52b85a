"""Each assignment is graded in the language it was registered in, or not at all.

``nbgrader generate_assignment`` stores the test cells of ``solutions/<lang>/``
in the gradebook. Grading that assignment later with another ``COURSE_LANG``
would restore the registered language's tests into every submission and flag
each untouched test cell as tampered, silently. ``registered_language`` tells
the language from the gradebook's own copy of the test cells;
``check_language`` stops with the command that fixes it; ``CheckCourseLanguage``
is the same check as the first step of ``nbgrader autograde``.

Typical use::

    check_language(gradebook, "a2-tcp-client", course_root, "es")   # raises LanguageMismatch if it was registered in en
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

__all__ = ["LanguageMismatch", "registered_language", "check_language", "CheckCourseLanguage"]


class LanguageMismatch(Exception):
    """The assignment is registered in one language and the command runs in another."""


def _test_sources(notebook_path: Path) -> dict[str, str]:
    notebook = nbformat.read(str(notebook_path), as_version=4)
    # Test cells only: a graded answer cell is stored after nbgrader cleared its solution.
    return {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in notebook.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and not cell.metadata["nbgrader"].get("solution")
            and "grade_id" in cell.metadata["nbgrader"]}


def registered_language(gradebook: Gradebook, assignment: str, course_root: Path) -> str | None:
    """The language whose ``solutions/<lang>/`` test cells the gradebook holds for ``assignment`` (None: unknown).

    Typical use::

        registered_language(gradebook, "a2-tcp-client", Path("."))   # "es"
    """
    try:
        record = gradebook.find_assignment(assignment)
    except MissingEntry:
        return None
    stored = {}
    for notebook in record.notebooks:
        for cell in notebook.source_cells:
            stored[(notebook.name, cell.name)] = cell.source
    for folder in sorted(Path(course_root, "solutions").glob(f"*/{assignment}")):
        sources = {}
        for path in folder.glob("*.ipynb"):
            sources.update({(path.stem, name): text for name, text in _test_sources(path).items()})
        if sources and all(stored.get(key) == text for key, text in sources.items()):
            return folder.parent.name
    return None


def check_language(gradebook: Gradebook, assignment: str, course_root: Path, lang: str) -> None:
    """Raise ``LanguageMismatch`` (with the commands that fix it) if ``assignment`` was registered in another language.

    Typical use::

        check_language(gradebook, "a4-udp", Path("."), "en")
    """
    registered = registered_language(gradebook, assignment, course_root)
    if registered is not None and registered != lang:
        raise LanguageMismatch(
            f"{assignment} is registered in the gradebook in '{registered}', and this command runs with "
            f"COURSE_LANG={lang}. Grade it with COURSE_LANG={registered}, or register it again in '{lang}' "
            f"first: COURSE_LANG={lang} nbgrader generate_assignment {assignment} --force"
        )


class CheckCourseLanguage(NbGraderPreprocessor):
    """First step of autograde: refuse a submission of an assignment registered in another language.

    Typical use (in ``nbgrader_config.py``)::

        c.CheckCourseLanguage.course_language = LANG
    """

    course_language = Unicode("en", help="The course language of this command (COURSE_LANG).").tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.coursedir import CourseDirectory

        db_url = resources["nbgrader"]["db_url"]
        assignment = resources["nbgrader"]["assignment"]
        with Gradebook(db_url) as gradebook:
            check_language(gradebook, assignment, Path(CourseDirectory(parent=self).root), self.course_language)
        return nb, resources
