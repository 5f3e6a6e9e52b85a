"""Catalogs under locale/: valid gettext, current with the sources, complete where published, glossary kept."""

from __future__ import annotations

import gettext
import shutil
import subprocess

import polib
import pytest
from babel.messages.pofile import read_po
from i18n_support import CODE_TEXT_LANGUAGES, EDITIONS, LANGUAGES, ROOT

from course_i18n import catalogs, code_text, extraction, glossary, layout, structure

LOCALE = layout.LOCALE
ALL_FILES = sorted(LOCALE.rglob("*.po")) + sorted(LOCALE.rglob("*.pot"))
TEMPLATES = extraction.templates()


def relative(path):
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", ALL_FILES, ids=relative)
def test_catalog_is_valid_gettext(path, tmp_path):
    """polib and Babel both parse the file, it compiles to a .mo that gettext reads, and msgfmt -c accepts it."""
    po = polib.pofile(str(path))
    with path.open("rb") as handle:
        read_po(handle, abort_invalid=True)
    mo = tmp_path / "messages.mo"
    po.save_as_mofile(str(mo))
    with mo.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    for entry in po.translated_entries()[:5]:
        if entry.msgctxt is None:
            assert translations.gettext(entry.msgid) == entry.msgstr
        else:
            assert translations.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
    if shutil.which("msgfmt"):
        result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogs_are_current_with_sources(lang):
    """Every source notebook and page has its catalog in the language with every markdown and code text (run `tools/i18n.py extract`)."""
    stale = []
    for name, template in TEMPLATES.items():
        po = catalogs.load(layout.catalog_path(lang, name))
        if po is None:
            stale.append(f"{name}: no catalog")
            continue
        active = {catalogs.key(entry) for entry in po if not entry.obsolete}
        if active != {catalogs.key(entry) for entry in template}:
            stale.append(name)
    assert not stale, f"run `tools/i18n.py extract`: {stale}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_catalog_without_source(lang):
    """A catalog whose source notebook is gone keeps only obsolete entries (nothing pretends to be used)."""
    orphans = []
    for area in (*layout.AREAS, layout.PAGES_DOMAIN):
        for path in sorted((LOCALE / lang / area).rglob("*.po")) if (LOCALE / lang / area).is_dir() else []:
            name = path.relative_to(LOCALE / lang).with_suffix("").as_posix()
            if name not in TEMPLATES and any(not entry.obsolete for entry in polib.pofile(str(path)) if entry.msgid):
                orphans.append(name)
    assert not orphans, f"run `tools/i18n.py extract`: {orphans}"


@pytest.mark.parametrize("lang", EDITIONS)
def test_published_language_is_complete(lang):
    """A language with a built edition has every markdown text translated (and every code and page text once it is in CODE_TEXT_LANGUAGES)."""
    found = []
    for name, template in TEMPLATES.items():
        po = catalogs.load(layout.catalog_path(lang, name))
        if po is None:
            found.append(f"{name}: no catalog")
            continue
        wanted = [catalogs.key(entry) for entry in template if entry.msgctxt is None or lang in CODE_TEXT_LANGUAGES]
        found += [f"{name}: {problem}" for problem in catalogs.problems(po, wanted)]
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found[:40])


def translated_entries(lang):
    for path in sorted((LOCALE / lang).rglob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.msgstr and not entry.obsolete and not entry.fuzzy:
                yield path, entry


@pytest.mark.parametrize("lang", LANGUAGES)
def test_glossary_is_followed(lang):
    """Every translation uses the language's required terms and none of its forbidden forms (locale/<lang>/glossary.toml)."""
    rules = glossary.load(lang)
    found = []
    for path, entry in translated_entries(lang):
        for problem in glossary.violations(rules, entry.msgid, entry.msgstr):
            found.append(f"{relative(path)}: {entry.msgid[:50]!r}: {problem}")
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found[:40])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_helper_messages_are_in_the_language(lang, detector):
    """Each helper message long enough to judge reads in its language (lingua)."""
    po = catalogs.load(layout.catalog_path(lang, layout.HELPERS_DOMAIN))
    wrong = [
        f"looks {found}: {entry.msgstr[:70]!r}"
        for entry in po
        if entry.msgstr and not entry.obsolete and (found := detector.mismatch(entry.msgstr, lang))
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_markdown_shape(lang):
    """Each translated cell keeps the English headings, paragraphs, lists, tables, blocks, links and code spans."""
    equivalents = catalogs.translations(catalogs.load(layout.catalog_path(lang, layout.HELPERS_DOMAIN)))
    found = []
    for path, entry in translated_entries(lang):
        if path.name == f"{layout.HELPERS_DOMAIN}.po" or entry.msgctxt is not None:  # code and page texts are not markdown
            continue
        for problem in structure.differences(entry.msgid, entry.msgstr, lang, equivalents):
            found.append(f"{relative(path)} {entry.comment.splitlines()[0]}: {problem}")
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found[:40])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_code_texts_keep_their_fields(lang):
    """A translated code or page text keeps the English f-string fields exactly (the same multiset; order may change)."""
    found = [
        f"{relative(path)}: {entry.msgid[:60]!r}: {sorted(code_text.fields(entry.msgid).elements())} vs {sorted(code_text.fields(entry.msgstr).elements())}"
        for path, entry in translated_entries(lang)
        if entry.msgctxt is not None and code_text.fields(entry.msgid) != code_text.fields(entry.msgstr)
    ]
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found[:40])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_code_texts_keep_their_edges(lang):
    """A translated code text keeps the English leading and trailing spaces and newlines (a label keeps its trailing space)."""
    def edges(text):
        return (text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):])

    found = [
        f"{relative(path)}: {entry.msgid[:60]!r}"
        for path, entry in translated_entries(lang)
        if entry.msgctxt not in (None, "comment", "docstring") and edges(entry.msgid) != edges(entry.msgstr)
    ]
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found[:40])
