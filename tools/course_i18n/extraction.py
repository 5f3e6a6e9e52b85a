"""Refresh templates and every language's catalogs from the English sources.

Re-run after any change to ``helpers/*.py``, ``notebooks/en`` or
``solutions/en``: templates are rewritten, catalogs are merged (never
overwritten), files are only touched when their text changes.

Typical use::

    extraction.extract_all()          # what `tools/i18n.py extract` does
"""

from __future__ import annotations

from pathlib import Path

import polib

from . import catalogs, helper_messages, layout, notebook_text, web_pages

__all__ = ["templates", "update", "extract_helpers", "extract_all"]


def templates(root: Path = layout.ROOT) -> dict[str, polib.POFile]:
    """Catalog name -> template for every source notebook and web page (not the helpers).

    Typical use::

        sorted(templates())[:1]   # ['notebooks/00-start-here']
    """
    found = {layout.catalog_name(path, root): notebook_text.template(path, root) for path in layout.source_notebooks(root)}
    found.update({web_pages.catalog_name(page, root): web_pages.template(page, root) for page in web_pages.pages(root)})
    return found


def update(name: str, template: polib.POFile, langs: list[str], locale: Path = layout.LOCALE) -> list[Path]:
    """Write ``template`` as ``<name>.pot`` and merge it into each language's ``<name>.po``.

    Typical use::

        update("helpers", helper_messages.template(), ["es"])
    """
    changed = []
    pot = layout.template_path(name, locale)
    if catalogs.save(template, pot):
        changed.append(pot)
    for lang in langs:
        path = layout.catalog_path(lang, name, locale)
        merged = catalogs.merge(template, catalogs.load(path), lang)
        if catalogs.save(merged, path):
            changed.append(path)
    return changed


def extract_helpers(langs: list[str] | None = None, locale: Path = layout.LOCALE) -> list[Path]:
    """Refresh ``helpers.pot`` and every ``<lang>/helpers.po`` from ``helpers/*.py``.

    Typical use::

        extract_helpers()   # after adding _("...") messages to helpers/
    """
    langs = layout.languages() if langs is None else langs
    return update(layout.HELPERS_DOMAIN, helper_messages.template(), langs, locale)


def extract_all(langs: list[str] | None = None, root: Path = layout.ROOT, locale: Path = layout.LOCALE) -> list[Path]:
    """Refresh every template and catalog; catalogs of deleted sources become all-obsolete.

    Typical use::

        for path in extract_all(): print("updated", path)
    """
    langs = layout.languages() if langs is None else langs
    changed = extract_helpers(langs, locale)
    current = templates(root)
    for name, template in current.items():
        changed += update(name, template, langs, locale)
    for area in (*layout.AREAS, layout.PAGES_DOMAIN):  # sources that disappeared: keep translations, as obsolete entries
        for pot in sorted((locale / area).rglob("*.pot")) if (locale / area).is_dir() else []:
            name = pot.relative_to(locale).with_suffix("").as_posix()
            if name not in current:
                pot.unlink()
                changed.append(pot)
                changed += update_orphan(name, langs, locale)
    return changed


def update_orphan(name: str, langs: list[str], locale: Path = layout.LOCALE) -> list[Path]:
    """Mark every entry of an orphaned catalog obsolete (its source notebook was removed)."""
    changed = []
    for lang in langs:
        path = layout.catalog_path(lang, name, locale)
        old = catalogs.load(path)
        if old is not None and catalogs.save(catalogs.merge(catalogs.new_catalog(), old, lang), path):
            changed.append(path)
    return changed
