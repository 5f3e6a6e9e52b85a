"""Every markdown cell of every edition renders as intended in CommonMark (markdown-it-py)."""

from __future__ import annotations

import nbformat
import pytest
from i18n_support import EDITIONS, ROOT, pending

from course_i18n import editions, layout, links, rendering

SOURCES = layout.source_notebooks()
LANGS = ["en", *EDITIONS]


@pytest.mark.parametrize("lang", [pytest.param(lang, marks=pending("rendering", lang)) for lang in LANGS])
def test_markdown_renders_without_literal_markers_or_stray_spaces(lang):
    """No literal **, __ or backtick in rendered text, and no space a line break puts inside CJK text."""
    found = []
    for source in SOURCES:
        path = source if lang == "en" else layout.edition_path(source, lang)
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "markdown":
                found += [f"{path.relative_to(ROOT)} cell {cell.get('id')}: {problem}" for problem in rendering.problems(cell.source, lang)]
    assert not found, f"{len(found)} problem(s):\n" + "\n".join(found[:40])


@pytest.mark.parametrize(
    ("markdown", "lang", "expected"),
    [
        ("**你要做什麼：**寫一個函式", "zh-TW", "literal '**'"),
        ("**你要做什麼**：寫一個函式", "zh-TW", None),
        ("第一行說明\n第二行說明", "zh-TW", "line break between CJK"),
        ("請看下列練習、\na1-sockets", "zh-TW", "line break between CJK"),
        ("使用 TCP 協定連線", "zh-TW", None),
        ("Un `recv()` sin cerrar` aquí", "es", "literal '`'"),
        ("Use **Kernel ▸ Interrupt Kernel**.", "en", None),
        ("Une phrase\nsur deux lignes", "fr", None),
    ],
)
def test_rendering_problems_are_found(markdown, lang, expected):
    """The renderer check flags unclosed emphasis and CJK line breaks, and accepts correct text."""
    problems = rendering.problems(markdown, lang)
    if expected is None:
        assert problems == []
    else:
        assert problems and expected in problems[0]


@pytest.mark.parametrize("lang", EDITIONS)
def test_editions_name_their_own_folders_and_stubs(lang):
    """An edition's text names its own folders (exercises/<lang>/) and quotes its own '# YOUR CODE HERE' stub."""
    stubs = editions.stub_translations(lang)
    found = []
    for source in SOURCES:
        path = layout.edition_path(source, lang)
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type != "markdown":
                continue
            if links.localise_paths(cell.source, lang) != cell.source:
                found.append(f"{path.relative_to(ROOT)} cell {cell.get('id')}: names an English folder (…/en/)")
            found += [f"{path.relative_to(ROOT)} cell {cell.get('id')}: quotes the English stub {stub!r}" for stub in stubs if stub in cell.source]
    assert not found, "\n".join(found)


def test_paths_in_prose_follow_the_edition():
    """exercises/en/ in prose and code spans becomes exercises/<lang>/; URLs and link targets are left to their own rules."""
    assert links.localise_paths("they live in the `exercises/en/` folder", "fr") == "they live in the `exercises/fr/` folder"
    assert links.localise_paths("see https://example.org/notebooks/en/x", "fr") == "see https://example.org/notebooks/en/x"
    assert links.localise_paths("the notebooks/en folder.", "id") == "the notebooks/id folder."
