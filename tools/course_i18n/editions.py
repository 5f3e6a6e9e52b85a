"""Write a language edition (``notebooks/<lang>/``, ``solutions/<lang>/``) from sources and catalogs.

For each English source notebook: markdown cells take their translation
(English where a catalog has none yet), course links point at the language's
folders, code cells get their comments and texts translated (every other
token stays as in English), and everything else (ids, cell and notebook
metadata, nbgrader metadata) is copied exactly. Assets beside the sources (e.g.
``notebooks/en/web/``) are copied too, and files left from sources that no
longer exist are removed.

Typical use::

    for path in editions.build_markdown("es"): print(path)
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import nbformat

from . import catalogs, execute, layout, links, notebook_text, web_pages

__all__ = ["edition_notebook", "stub_translations", "build_markdown", "carry_outputs", "copy_assets", "remove_stale", "same_content", "write"]


def edition_notebook(source: Path, lang: str, root: Path = layout.ROOT, locale: Path = layout.LOCALE):
    """The ``lang`` edition of one source notebook, not executed (code cells keep the English outputs).

    Typical use::

        nb = edition_notebook(Path("notebooks/en/04-tcp.ipynb"), "es")
    """
    notebook = notebook_text.read(source)
    name = layout.catalog_name(source, root)
    catalog = catalogs.load(layout.catalog_path(lang, name, locale))
    edition = notebook_text.translate(notebook, catalogs.translations(catalog), catalogs.code_translations(catalog))
    stubs = stub_translations(lang, locale)
    for _index, cell in notebook_text.markdown_cells(edition):
        cell.source = links.localise_paths(links.localise_links(cell.source, lang), lang)
        for english, translated in stubs.items():
            cell.source = cell.source.replace(english, translated)
    return edition


#: nbgrader's stubs, which nbgrader_config.py takes from helpers.po for each language.
STUBS = ("# YOUR CODE HERE", "YOUR ANSWER HERE")


def stub_translations(lang: str, locale: Path = layout.LOCALE) -> dict[str, str]:
    """English nbgrader stub -> the edition's stub (as the released exercises show it), for those translated.

    Text that quotes ``# YOUR CODE HERE`` must quote what the student's
    notebook says: the build replaces the English stub in markdown cells.

    Typical use::

        stub_translations("fr")   # {'# YOUR CODE HERE': '# VOTRE CODE ICI', ...}
    """
    helpers = catalogs.translations(catalogs.load(layout.catalog_path(lang, layout.HELPERS_DOMAIN, locale)))
    return {stub: helpers[stub] for stub in STUBS if helpers.get(stub) and helpers[stub] != stub}


def _comparable(notebook) -> dict:
    """A notebook without run-dependent parts: outputs, counts, widget state."""
    data = nbformat.from_dict(notebook)
    plain = {"metadata": {k: v for k, v in data.metadata.items() if k != "widgets"}, "cells": []}
    for cell in data.cells:
        item = {key: value for key, value in cell.items() if key not in ("outputs", "execution_count")}
        plain["cells"].append(item)
    plain["nbformat"] = (data.nbformat, data.nbformat_minor)
    return plain


def same_content(one, other) -> bool:
    """True when two notebooks differ at most in outputs, execution counts and widget state.

    Typical use::

        same_content(nbformat.read(a, 4), nbformat.read(b, 4))
    """
    return _comparable(one) == _comparable(other)


def write(notebook, path: Path) -> bool:
    """Write a notebook as Jupyter does (nbformat, 1-space indent); True if the file changed.

    Typical use::

        write(nb, Path("notebooks/es/04-tcp.ipynb"))
    """
    text = nbformat.writes(notebook) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _asset_files(base: Path) -> list[Path]:
    """Files copied as they are: not notebooks, not the web pages generated per edition (web_pages)."""
    pages = {page.resolve() for page in web_pages.pages(base.parents[1])} if base.name == layout.SOURCE_LANG else set()
    return sorted(
        path.relative_to(base)
        for path in base.rglob("*")
        if path.is_file()
        and path.suffix != ".ipynb"
        and path.resolve() not in pages
        and not layout.IGNORED_NAMES.intersection(path.relative_to(base).parts)
    )


def copy_assets(lang: str, root: Path = layout.ROOT, out: Path | None = None) -> list[Path]:
    """Copy non-notebook files of every source folder into ``lang``'s folder; return the copied ones.

    Typical use::

        copy_assets("es")   # notebooks/en/web/index.html -> notebooks/es/web/index.html
    """
    out = out or root
    copied = []
    for area in layout.AREAS:
        base = root / area / layout.SOURCE_LANG
        if not base.is_dir():
            continue
        for relative in _asset_files(base):
            target = out / area / lang / relative
            if target.exists() and filecmp.cmp(base / relative, target, shallow=False):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(base / relative, target)
            copied.append(target)
    return copied


def remove_stale(lang: str, root: Path = layout.ROOT) -> list[Path]:
    """Delete files of ``lang``'s folders whose English source is gone; return them.

    Typical use::

        remove_stale("es")   # notebooks/es/old-name.ipynb after a lesson was renamed
    """
    if lang == layout.SOURCE_LANG:
        raise ValueError("the English folders are the sources, never cleaned")
    removed = []
    for area in layout.AREAS:
        base, edition = root / area / layout.SOURCE_LANG, root / area / lang
        if not edition.is_dir():
            continue
        for path in sorted(edition.rglob("*"), reverse=True):
            relative = path.relative_to(edition)
            if layout.IGNORED_NAMES.intersection(relative.parts):
                continue
            if path.is_file() and not (base / relative).exists():
                path.unlink()
                removed.append(path)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return removed


def carry_outputs(edition, stored) -> bool:
    """Give ``edition`` the outputs of ``stored`` if their code cells are the same; True if done.

    Markdown does not change what code prints, so an edition whose code cells
    (ids, sources, metadata, order) match the stored one keeps its outputs and
    needs no new run.

    Typical use::

        if not carry_outputs(edition, notebook_text.read(target)): execute.run(edition, folder)
    """
    def code_cells(notebook):
        return [
            (cell.get("id"), cell.source, cell.metadata)
            for cell in notebook.cells
            if cell.cell_type == "code"
        ]

    if code_cells(edition) != code_cells(stored) or len(edition.cells) != len(stored.cells):
        return False
    for cell, old in zip(edition.cells, stored.cells):
        if cell.cell_type == "code":
            cell.outputs = old.get("outputs", [])
            cell.execution_count = old.get("execution_count")
    if "widgets" in stored.metadata:
        edition.metadata["widgets"] = stored.metadata["widgets"]
    return True


def build_markdown(
    lang: str,
    root: Path = layout.ROOT,
    out: Path | None = None,
    locale: Path = layout.LOCALE,
    execute_notebooks: str = "changed",
    report=print,
) -> list[Path]:
    """Write every edition notebook of ``lang`` under ``out`` (default: the repository).

    ``execute_notebooks``: "changed" runs a notebook (stored executed in
    English) only when its code differs from the stored edition, otherwise the
    stored outputs are kept; "all" runs every one; "never" runs none (code cells
    then keep whatever outputs are at hand, for markdown-only comparisons).

    Typical use::

        build_markdown("es", execute_notebooks="all")
    """
    if execute_notebooks not in ("changed", "all", "never"):
        raise ValueError(f"execute_notebooks must be changed, all or never, not {execute_notebooks!r}")
    out = out or root
    written = []
    for source in layout.source_notebooks(root):
        target = layout.edition_path(source, lang, root, out)
        edition = edition_notebook(source, lang, root, locale)
        stored = notebook_text.read(target) if target.exists() else None
        carried = stored is not None and carry_outputs(edition, stored)
        if execute_notebooks != "never" and execute.was_executed(notebook_text.read(source)):
            if execute_notebooks == "all" or not carried:
                report(f"executing {layout.source_relative(target, out)}")
                target.parent.mkdir(parents=True, exist_ok=True)
                execute.run(edition, target.parent)
        if write(edition, target):
            written.append(target)
    return written
