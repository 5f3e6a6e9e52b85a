"""Texts of a notebook as catalog entries, and translated texts back into the notebook.

Markdown cells: the msgid is the whole text of a cell (one idea per cell
keeps them short); its extracted comment names the cell id, which survives
edits of the text.

Code cells: each comment, docstring and human-readable string literal is an
entry (see ``code_text`` and ``code_rules``) with a ``msgctxt`` saying what
it is ("comment", "printed", "assert message" ...), and an extracted comment
naming the cell and the line of code (``code in cell 05-017, line 16:
print(...)``). The build puts translations back into the code, so students
read plain Python in their language.

Typical use::

    template = notebook_text.template(Path("notebooks/en/04-tcp.ipynb"))
    nb = notebook_text.translate(nbformat.read(path, 4), {"# TCP": "# TCP"})
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import polib

from . import catalogs, code_text
from .layout import ROOT, source_relative

__all__ = ["markdown_cells", "code_cells", "code_texts", "template", "translate", "read"]


def read(path: Path):
    """Read a notebook as nbformat 4 (cell ids included).

    Typical use::

        nb = read(Path("notebooks/en/04-tcp.ipynb"))
    """
    return nbformat.read(str(path), as_version=4)


def markdown_cells(notebook) -> list[tuple[int, object]]:
    """(position, cell) of every markdown cell with text to translate.

    Typical use::

        [cell.source for _, cell in markdown_cells(nb)][:1]
    """
    return [
        (index, cell)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and cell.source.strip()
    ]


def code_cells(notebook) -> list[tuple[int, object]]:
    """(position, cell) of every code cell.

    Typical use::

        [cell.id for _, cell in code_cells(nb)][:1]
    """
    return [(index, cell) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]


def code_texts(notebook) -> dict[int, list]:
    """Position of each code cell -> its translatable texts (``code_text.CodeText``), read notebook-wide.

    Typical use::

        texts = code_texts(read(Path("notebooks/en/05-udp.ipynb")))
    """
    cells = code_cells(notebook)
    found = code_text.notebook_texts([cell.source for _index, cell in cells])
    return {index: texts for (index, _cell), texts in zip(cells, found)}


def _code_label(cell_id: str, text) -> str:
    return f"code in cell {cell_id}, line {text.line}: {text.code_line}"


def template(path: Path, root: Path = ROOT) -> polib.POFile:
    """Template catalog of one notebook: markdown cells and code texts, in cell order.

    One entry per distinct (msgctxt, msgid): a text found in several cells is
    one message naming every place.

    Typical use::

        [e.comment for e in template(Path("notebooks/en/04-tcp.ipynb"))][0]   # 'cell 1c0a...'
    """
    notebook = read(path)
    catalog = catalogs.new_catalog()
    where = source_relative(path, root)
    entries: dict[tuple, polib.POEntry] = {}
    texts_by_cell = code_texts(notebook)
    for index, cell in enumerate(notebook.cells):
        cell_id = cell.get("id") or f"#{index + 1}"
        if cell.cell_type == "markdown" and cell.source.strip():
            items = [(None, cell.source, f"cell {cell_id}", ())]
        elif cell.cell_type == "code":  # "code in cell X" is not a cell key: texts of one cell stay apart
            items = [(text.context, text.msgid, _code_label(cell_id, text), text.flags) for text in code_text.flat(texts_by_cell[index])]
        else:
            continue
        for context, msgid, label, flags in items:
            entry = entries.get((context, msgid))
            if entry is None:
                entry = catalogs.message(msgid, comment=label, occurrences=[(where, str(index + 1))], flags=flags, context=context)
                entries[(context, msgid)] = entry
                catalog.append(entry)
            elif label not in entry.comment.split("\n"):  # the same text in two places: one message, both places
                entry.comment += "\n" + label
                if (where, str(index + 1)) not in entry.occurrences:
                    entry.occurrences.append((where, str(index + 1)))
    return catalog


def translate(notebook, translated: dict[str, str], code_translated: dict[tuple[str, str], str] | None = None):
    """A copy of ``notebook`` in another language: markdown from ``translated``, code texts from ``code_translated``.

    ``translated`` maps a markdown cell's English to its translation;
    ``code_translated`` maps (msgctxt, msgid) of a code text to its
    translation. English stays wherever a translation is missing. Ids,
    metadata, attachments and every token of code other than comment and
    string text stay exactly as in the source.

    Typical use::

        es = translate(read(path), catalogs.translations(po), catalogs.code_translations(po))
    """
    result = copy.deepcopy(notebook)
    for _index, cell in markdown_cells(result):
        text = translated.get(cell.source)
        if text:
            cell.source = text
    if code_translated:
        for index, texts in code_texts(notebook).items():
            if texts:
                result.cells[index].source = code_text.localise(notebook.cells[index].source, texts, code_translated)
    return result
