"""JupyterLab labels that the lessons and exercises quote, as each language pack shows them.

A lesson that says "use *Kernel ▸ Restart Kernel and Run All Cells…*" must, in
the Spanish edition, name the item as the Spanish JupyterLab shows it. The
truth is the installed language pack's own catalog
(``jupyterlab_language_pack_<xx_YY>/locale/<xx_YY>/LC_MESSAGES/jupyterlab.json``):
JupyterLab translates a menu title with the context ``menu``
(``trans._p("menu", "Kernel")``) and a command label without context; where the
pack has no translation, JupyterLab shows English, and so must the course.

Typical use::

    from course_i18n import jupyterlab_labels as labels
    labels.translation(labels.label("Interrupt Kernel"), "es")   # 'Interrumpir el intérprete'
    labels.quoted_labels("Use **Kernel ▸ Interrupt Kernel**.")   # [Label('menu', 'Kernel'), Label('', 'Interrupt Kernel')]
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Label", "LABELS", "PACKS", "SEPARATORS", "label", "pack_catalog", "translation", "quoted_labels", "quoted_paths", "expected"]


@dataclass(frozen=True)
class Label:
    """A JupyterLab label: its gettext context ("menu" for menu titles, "" for commands) and its English text."""

    context: str
    text: str


#: Every JupyterLab label the course's text quotes (menu titles, menu items, buttons).
LABELS = (
    Label("menu", "Kernel"),
    Label("menu", "Run"),
    Label("", "Restart Kernel and Run All Cells…"),
    Label("", "Interrupt Kernel"),
    Label("", "Run All"),
    Label("", "Run All Cells"),
)
#: The course language -> the JupyterLab language pack's locale.
PACKS = {"es": "es_ES", "fr": "fr_FR", "id": "id_ID", "zh-TW": "zh_TW"}
#: What separates the steps of a menu path in the course's text.
SEPARATORS = re.compile(r"\s*(?:▸|→|>)\s*")
_EMPHASIS = re.compile(r"(\*\*|\*|__|_)(?=\S)(.+?)(?<=\S)\1")
_ELLIPSIS = re.compile(r"(?:…|\.\.\.)$")


def label(text: str, context: str | None = None) -> Label:
    """The listed label with this English text (a menu title when ``context`` is "menu").

    Typical use::

        label("Kernel")   # Label(context='menu', text='Kernel')
    """
    for item in LABELS:
        if _bare(item.text) == _bare(text) and (context is None or item.context == context):
            return item
    raise KeyError(f"{text!r} is not a JupyterLab label the course quotes (add it to LABELS)")


def _bare(text: str) -> str:
    return _ELLIPSIS.sub("", text.strip())


@functools.lru_cache(maxsize=None)
def pack_catalog(lang: str) -> dict[str, list[str]]:
    """The installed language pack's ``jupyterlab.json`` for a course language ({} if no pack is installed).

    Typical use::

        pack_catalog("fr")["Interrupt Kernel"]   # ['Interrompre le noyau']
    """
    locale = PACKS.get(lang)
    if locale is None:
        return {}
    spec = importlib.util.find_spec(f"jupyterlab_language_pack_{locale}")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "locale" / locale / "LC_MESSAGES" / "jupyterlab.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def translation(item: Label, lang: str) -> str:
    """What ``lang``'s JupyterLab shows for ``item``: the pack's translation, or the English label.

    Typical use::

        translation(label("Kernel"), "fr")   # 'Noyau'
    """
    catalog = pack_catalog(lang)
    key = f"{item.context}\u0004{item.text}" if item.context else item.text
    found = catalog.get(key)
    if found and found[0].strip():
        return found[0]
    return item.text


def quoted_paths(markdown: str) -> list[list[str]]:
    """Every emphasised span of a markdown text made only of listed labels, split into its steps.

    ``**Kernel ▸ Interrupt Kernel**`` gives ``[["Kernel", "Interrupt Kernel"]]``;
    a span with a word that is not a label gives nothing.

    Typical use::

        quoted_paths("press **Run All** now")   # [['Run All']]
    """
    found = []
    for match in _EMPHASIS.finditer(markdown):
        steps = [step for step in SEPARATORS.split(match.group(2)) if step]
        try:
            for position, step in enumerate(steps):
                label(step, "menu" if position == 0 and len(steps) > 1 else "")
        except KeyError:
            continue
        found.append(steps)
    return found


def quoted_labels(markdown: str) -> list[Label]:
    """The listed labels an English markdown text quotes (menu titles first in a path).

    Typical use::

        quoted_labels("*Kernel → Restart Kernel and Run All Cells*")
        # [Label('menu', 'Kernel'), Label('', 'Restart Kernel and Run All Cells…')]
    """
    found = []
    for steps in quoted_paths(markdown):
        for position, step in enumerate(steps):
            found.append(label(step, "menu" if position == 0 and len(steps) > 1 else ""))
    return found


def expected(item: Label, lang: str) -> re.Pattern:
    """A pattern for the label as ``lang``'s text must quote it (a trailing ellipsis is optional).

    Typical use::

        bool(expected(label("Restart Kernel and Run All Cells…"), "es").search("Reiniciar intérprete y ejecutar todas las celdas"))   # True
    """
    text = _bare(translation(item, lang))
    return re.compile(re.escape(text) + r"(?:…|\.\.\.)?")
