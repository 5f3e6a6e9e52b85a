"""Menu names and buttons the text quotes read as each language's JupyterLab shows them (its language pack)."""

from __future__ import annotations

import nbformat
import pytest
from i18n_support import EDITIONS, ROOT, pending

from course_i18n import jupyterlab_labels as labels
from course_i18n import layout

SOURCES = layout.source_notebooks()


def label_problems(english: str, translated: str, lang: str) -> list[str]:
    """Labels the English cell quotes that the translated cell does not quote as lang's JupyterLab shows them."""
    return [
        f"{item.text!r} should read {labels.translation(item, lang)!r}"
        for item in labels.quoted_labels(english)
        if not labels.expected(item, lang).search(translated)
    ]


@pytest.mark.parametrize("lang", EDITIONS)
def test_language_pack_catalog_is_installed(lang):
    """The edition's JupyterLab language pack is installed and its catalog readable."""
    assert len(labels.pack_catalog(lang)) > 100, f"jupyterlab-language-pack for {lang} ({labels.PACKS[lang]}) is not installed"


def test_listed_labels_are_jupyterlab_strings():
    """Every listed label is a string JupyterLab itself translates (a key of an installed pack's catalog)."""
    keys = set().union(*(labels.pack_catalog(lang) for lang in labels.PACKS))
    missing = [item for item in labels.LABELS if (f"{item.context}\u0004{item.text}" if item.context else item.text) not in keys]
    assert not missing, missing


def test_english_quotes_only_listed_labels():
    """Every menu path the English text quotes (A ▸ B, A → B) is made of listed labels, so none escapes the check."""
    unknown = []
    for source in SOURCES:
        for cell in nbformat.read(source, 4).cells:
            if cell.cell_type != "markdown":
                continue
            spans = [match.group(2) for match in labels._EMPHASIS.finditer(cell.source) if labels.SEPARATORS.search(match.group(2))]
            unknown += [f"{source.name} cell {cell.get('id')}: {span!r}" for span in spans if not labels.quoted_paths(f"**{span}**")]
    assert not unknown, "add these labels to course_i18n.jupyterlab_labels.LABELS:\n" + "\n".join(unknown)


@pytest.mark.parametrize("lang", [pytest.param(lang, marks=pending("labels", lang)) for lang in EDITIONS])
def test_editions_quote_the_pack_labels(lang):
    """Where the English text quotes a JupyterLab label, the edition quotes the pack's translation (English where it has none)."""
    found = []
    for source in SOURCES:
        english = nbformat.read(source, 4)
        edition = nbformat.read(layout.edition_path(source, lang), 4)
        for theirs, mine in zip(english.cells, edition.cells):
            if theirs.cell_type == "markdown":
                found += [f"{layout.catalog_name(source)} cell {theirs.get('id')}: {p}" for p in label_problems(theirs.source, mine.source, lang)]
    assert not found, f"{len(found)} label(s):\n" + "\n".join(found)


def test_label_check_fails_on_english_and_passes_on_the_pack_label():
    """A Spanish cell naming the English menu item fails; the pack's label (menu title in English: the pack has none) passes."""
    english = "Use **Kernel ▸ Restart Kernel and Run All Cells…**, or **Run All**."
    assert len(label_problems(english, "Usa **Kernel ▸ Restart Kernel and Run All Cells…**, o **Run All**.", "es")) == 2
    assert label_problems(english, "Usa **Kernel ▸ Reiniciar intérprete y ejecutar todas las celdas**, o **Ejecutar todo**.", "es") == []
    assert labels.translation(labels.label("Kernel"), "fr") == "Noyau"  # a menu title the French pack translates
    assert labels.quoted_labels("*Kernel → Restart Kernel and Run All Cells*") == [labels.label("Kernel"), labels.label("Restart Kernel and Run All Cells…")]
