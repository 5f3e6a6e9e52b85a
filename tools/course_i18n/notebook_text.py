"""Markdown cells of a notebook as catalog entries, and translated cells back.

The msgid is the whole text of a markdown cell (one idea per cell keeps them
short); its extracted comment names the cell id, which survives edits of the
text. Code cells are copied byte for byte, and ``helpers.setup()`` picks the
language from the notebook's folder; the only texts taken from code are those
the helpers translate at run time: every string of a ``Quiz(...)`` call and
every ``_("...")`` or ``translate("...")`` literal (``helpers.messages._``
and ``helpers.translate`` read them from this notebook's catalog).

Typical use::

    template = notebook_text.template(Path("notebooks/en/04-tcp.ipynb"))
    nb = notebook_text.translate(nbformat.read(path, 4), {"# TCP": "# TCP"})
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import nbformat
import polib

from . import catalogs
from .layout import ROOT, source_relative

__all__ = ["markdown_cells", "code_strings", "template", "translate", "read"]


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


def _python(source: str) -> str:
    """Cell source as plain Python (IPython magics such as %time turned into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _called(node: ast.Call) -> str:
    return getattr(node.func, "id", None) or getattr(node.func, "attr", "")


def code_strings(source: str) -> list[str]:
    """Texts a code cell shows through the helpers' catalog: ``Quiz(...)`` strings, ``_("...")`` and ``translate("...")`` literals.

    Dict keys ("text", "options" ...) are not texts; a cell that does not parse yields nothing.

    Typical use::

        code_strings('_("Well done")')   # ['Well done']
    """
    try:
        tree = compile(_python(source), "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        return []
    nodes: list[ast.Constant] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _called(node) in ("_", "N_", "translate") and node.args:  # helpers.translate too
            nodes.append(node.args[0])
        elif _called(node).endswith("Quiz"):
            keys = {id(key) for inner in ast.walk(node) if isinstance(inner, ast.Dict) for key in inner.keys if key is not None}
            nodes += [inner for inner in ast.walk(node) if id(inner) not in keys]
    found: list[str] = []
    for node in sorted(nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip() and node.value not in found:
            found.append(node.value)
    return found


def template(path: Path, root: Path = ROOT) -> polib.POFile:
    """Template catalog of one notebook: one entry per distinct markdown text, in cell order.

    Typical use::

        [e.comment for e in template(Path("notebooks/en/04-tcp.ipynb"))][0]   # 'cell 1c0a...'
    """
    notebook = read(path)
    catalog = catalogs.new_catalog()
    where = source_relative(path, root)
    entries: dict[str, polib.POEntry] = {}
    for index, cell in enumerate(notebook.cells):
        cell_id = cell.get("id") or f"#{index + 1}"
        if cell.cell_type == "markdown" and cell.source.strip():
            texts, label = [cell.source], f"cell {cell_id}"
        elif cell.cell_type == "code":  # "code in cell X" is not a cell key: texts of one cell stay apart
            texts, label = code_strings(cell.source), f"code in cell {cell_id}"
        else:
            continue
        for text in texts:
            entry = entries.get(text)
            if entry is None:
                entry = catalogs.message(text, comment=label, occurrences=[(where, str(index + 1))])
                entries[text] = entry
                catalog.append(entry)
            elif label not in entry.comment.split("\n"):  # the same text in two cells: one message, both places
                entry.comment += "\n" + label
                entry.occurrences.append((where, str(index + 1)))
    return catalog


def translate(notebook, translated: dict[str, str]):
    """A copy of ``notebook`` whose markdown cells use ``translated`` (English kept where missing).

    Only ``source`` of markdown cells changes; ids, metadata, attachments and
    every code cell stay exactly as in the source.

    Typical use::

        es = translate(read(path), catalogs.translations(po))
    """
    result = copy.deepcopy(notebook)
    for _index, cell in markdown_cells(result):
        text = translated.get(cell.source)
        if text:
            cell.source = text
    return result
