"""Web pages of the lessons (notebooks/<lang>/web/): generated per edition, and quoted as they show."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import nbformat
import pytest
from i18n_support import EDITIONS, ROOT

from course_i18n import catalogs, layout, web_pages

PAGE = ROOT / "notebooks" / "en" / "web" / "ws-page.html"
LESSON = "07-websockets.ipynb"


def test_page_texts_are_the_visible_words_and_comments():
    """The page's title, text nodes, TEXT values and // comments are its texts; ids, URLs and code are not."""
    texts = web_pages.page_texts(PAGE.read_text(encoding="utf-8"))
    visible = [text.msgid for text in texts if text.context == "page text"]
    assert visible == ["WebSocket messages", "Status:", "starting", "connected", "closed",
                       "no server given: add ?ws=ws://127.0.0.1:PORT/ to this page's address", "could not connect to {target}"]
    assert all(text.context == "comment" for text in texts if text.msgid not in visible)
    assert not any(word in visible for word in ("status", "messages", "ws", "li"))


def test_localised_page_is_valid_html_and_javascript(tmp_path):
    """Translations with quotes, < and & give escaped HTML and valid JavaScript (node --check); lang is the edition's."""
    source = PAGE.read_text(encoding="utf-8")
    texts = web_pages.page_texts(source)
    table = {text.key: 'a "quoted" <b> & \\ ' + text.msgid for text in texts}
    page = web_pages.localise(source, texts, table, "zh-TW")
    assert '<html lang="zh-TW">' in page
    assert '<span id="status">a "quoted" &lt;b&gt; &amp; \\ starting</span>' in page
    body = re.search(r"const TEXT = \{(.*?)\n\s*\};", page, re.DOTALL).group(1)
    values = {key: json.loads(value) for key, value in re.findall(r'^\s*(\w+): ("(?:[^"\\]|\\.)*"),$', body, re.MULTILINE)}
    assert len(values) == 4 and values["connected"] == 'a "quoted" <b> & \\ connected'
    assert "// a \"quoted\" <b> & \\ The server pushes" in page
    if shutil.which("node"):  # the whole script still parses
        script = tmp_path / "page.js"
        script.write_text(re.search(r"<script>(.*)</script>", page, re.DOTALL).group(1), encoding="utf-8")
        result = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr


def test_untranslated_page_keeps_english_but_says_its_language():
    """Without translations the page text stays English (the pipeline works meanwhile); only lang changes."""
    source = PAGE.read_text(encoding="utf-8")
    assert web_pages.localise(source, web_pages.page_texts(source), {}, "fr") == source.replace('<html lang="en">', '<html lang="fr">')


_QUOTES = re.compile(r'"([^"\n]+)"|«\s*([^»\n]+?)\s*»|“([^”\n]+)”|「([^」\n]+)」')


def quoted(markdown: str) -> set[str]:
    """Texts a markdown cell quotes: "...", «...», “...”, 「...」."""
    return {next(group for group in match.groups() if group).strip() for match in _QUOTES.finditer(markdown)}


@pytest.mark.parametrize("lang", EDITIONS)
def test_lesson_quotes_what_the_page_shows(lang):
    """Where lesson 07 quotes a text of the page ("connected"), the edition quotes the page's text in that language."""
    english_page = {text.msgid for text in web_pages.page_texts(PAGE.read_text(encoding="utf-8")) if text.context == "page text"}
    shown = catalogs.code_translations(catalogs.load(layout.catalog_path(lang, web_pages.catalog_name(PAGE))))
    english = nbformat.read(ROOT / "notebooks" / "en" / LESSON, 4)
    edition = nbformat.read(ROOT / "notebooks" / lang / LESSON, 4)
    wrong = []
    for theirs, mine in zip(english.cells, edition.cells):
        if theirs.cell_type != "markdown":
            continue
        for text in quoted(theirs.source) & english_page:
            expected = shown.get(("page text", text), text)
            if expected not in quoted(mine.source):
                wrong.append(f"cell {theirs.get('id')}: should quote {expected!r} (what the page shows), quotes {sorted(quoted(mine.source))}")
    assert not wrong, "\n".join(wrong)
    assert any(quoted(cell.source) & english_page for cell in english.cells if cell.cell_type == "markdown"), "lesson 07 no longer quotes the page"


@pytest.mark.parametrize("lang", EDITIONS)
def test_edition_page_says_its_language(lang):
    """The committed page of the edition has <html lang="<lang>"> and the catalog's translations."""
    page = (ROOT / "notebooks" / lang / "web" / "ws-page.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in page
    assert page == web_pages.edition_page(PAGE, lang)
