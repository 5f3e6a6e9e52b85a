"""The feedback page in the course language: nbgrader's labels ("Student's answer", "Score" ...) translated.

nbgrader writes its feedback pages with an English template. The course ships
a copy of it (``templates/feedback/``) whose labels go through the
``course_label`` filter, which reads the helpers' catalogs; ``<html lang>``
says the course language too.

Typical use (in ``nbgrader_config.py``)::

    feedback_page.configure(c, LANG)
"""

from __future__ import annotations

from pathlib import Path

from helpers.messages import N_

from .preprocessors import translated

__all__ = ["LABELS", "TEMPLATE_NAME", "configure", "label_filter"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
#: "feedback", the name nbgrader uses: the formgrader's Generate Feedback button asks for it by name, and finds ours first.
TEMPLATE_NAME = "feedback"
#: Every label of the template (marked here so the helpers catalog extracts them).
LABELS = (
    N_("Score:"), N_("Test cell"), N_("Coding free-response"), N_("Written response"), N_("Task"), N_("Task:"),
    N_("Comment"), N_("Comments:"), N_("Late submission penalty"), N_("Top"), N_("Student's answer"),
    N_("Student's task"), N_("Grade cell:"),
)


def label_filter(lang: str):
    """A Jinja filter that gives a label of ``LABELS`` in ``lang`` (unknown text is returned as it is).

    Typical use::

        label_filter("es")("Score:")   # -> "Puntuación:"
    """
    known = set(LABELS)

    def course_label(text: str) -> str:
        return translated(lang, text) if text in known else text

    return course_label


def configure(c, lang: str) -> None:
    """Make ``nbgrader generate_feedback`` use the course's template, labels in ``lang``.

    Typical use::

        configure(get_config(), "fr")
    """
    import nbgrader

    # The folder nbgrader itself adds (its CSS), after the course's own.
    nbgrader_templates = Path(nbgrader.__file__).resolve().parent / "server_extensions" / "formgrader" / "templates"
    c.HTMLExporter.template_name = TEMPLATE_NAME
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATE_DIR), str(nbgrader_templates)]
    c.HTMLExporter.filters = {"course_label": label_filter(lang), "course_lang": lambda _text="": lang}
