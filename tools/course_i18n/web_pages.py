"""Web pages of the lessons (``notebooks/en/web/*.html``), generated per edition from a catalog.

A page's visible words and its comments are catalog messages, like a
notebook's (``locale/<lang>/web/ws-page.po``); the edition's page is the
English file with those texts replaced and ``<html lang="...">`` set to the
edition's language. Everything else (markup, ids, CSS, JavaScript code)
stays byte for byte.

What is a text of a page:

- ``page text``: an HTML text node outside ``<script>`` and ``<style>``
  (the ``<title>`` included), whitespace around it kept;
- ``page text``: a value of the script's ``const TEXT = {...}`` object, where
  the page keeps every word its script shows (``{target}`` is a field the
  script fills in: keep it);
- ``comment``: a run of ``//`` comment lines at one indentation, or an inline
  ``//`` comment (a lesson prints the page's source, so students read them).

Typical use::

    texts = web_pages.page_texts(Path("notebooks/en/web/ws-page.html").read_text())
    html = web_pages.localise(source, texts, {("page text", "connected"): "conectado"}, "es")
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from . import layout

__all__ = ["PAGE_FOLDER", "PageText", "pages", "catalog_name", "page_texts", "localise", "template", "edition_page", "build"]

#: Folder of notebooks/en/ whose .html files are generated per edition.
PAGE_FOLDER = "web"
_TEXT_OBJECT = re.compile(r"const TEXT = \{(?P<body>.*?)\n\s*\};", re.DOTALL)
_TEXT_VALUE = re.compile(r'(?P<key>\w+)\s*:\s*(?P<value>"(?:[^"\\\n]|\\.)*")')
_LANG_ATTRIBUTE = re.compile(r'(<html\b[^>]*\blang=")([^"]*)(")')


@dataclass(frozen=True)
class PageText:
    """One translatable text of a page and the span of source it replaces."""

    context: str
    msgid: str
    line: int
    start: int
    end: int
    kind: str  # "text", "js string", "comment", "inline comment"
    indent: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.msgid)


def pages(root: Path = layout.ROOT) -> list[Path]:
    """English pages that editions get in their language.

    Typical use::

        [p.name for p in pages()]   # ['ws-page.html']
    """
    base = root / "notebooks" / layout.SOURCE_LANG / PAGE_FOLDER
    return sorted(path for path in base.rglob("*.html") if not layout.IGNORED_NAMES.intersection(path.parts)) if base.is_dir() else []


def catalog_name(page: Path, root: Path = layout.ROOT) -> str:
    """Catalog name of a page: ``web/ws-page`` for ``notebooks/en/web/ws-page.html``.

    Typical use::

        catalog_name(ROOT / "notebooks/en/web/ws-page.html")   # 'web/ws-page'
    """
    relative = page.resolve().relative_to((root / "notebooks" / layout.SOURCE_LANG).resolve())
    return relative.with_suffix("").as_posix()


class _Collector(HTMLParser):
    def __init__(self, source: str):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.starts = [0]
        for line in source.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))
        self.stack: list[str] = []
        self.texts: list[PageText] = []
        self.scripts: list[tuple[int, int]] = []

    def _position(self) -> int:
        line, column = self.getpos()
        return self.starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        start = self._position()
        current = self.stack[-1] if self.stack else ""
        if current == "script":
            self.scripts.append((start, start + len(data)))
            return
        if current == "style" or not data.strip() or not re.search(r"[^\W\d_]", data):
            return
        lead = len(data) - len(data.lstrip())
        text = data.strip()
        line = self.getpos()[0] + data[:lead].count("\n")
        self.texts.append(PageText("page text", html.unescape(text), line, start + lead, start + lead + len(text), "text"))


def _script_texts(source: str, start: int, end: int) -> list[PageText]:
    found = []
    script = source[start:end]
    match = _TEXT_OBJECT.search(script)
    if match:
        body_start = start + match.start("body")
        for item in _TEXT_VALUE.finditer(match.group("body")):
            value_start = body_start + item.start("value")
            found.append(PageText("page text", json.loads(item.group("value")), source.count("\n", 0, value_start) + 1,
                                  value_start, body_start + item.end("value"), "js string"))
    # // comments: outside strings; a run of full-line comments at one column is one message
    position = start
    run: list[tuple[int, int, int, str]] = []  # (start, end, column, text)

    def flush():
        if run:
            message = "\n".join(text for _s, _e, _c, text in run).strip("\n")
            if re.search(r"[^\W\d_]{2,}", message):
                line_start = source.rfind("\n", 0, run[0][0]) + 1
                found.append(PageText("comment", message, source.count("\n", 0, run[0][0]) + 1, run[0][0], run[-1][1],
                                      "comment", source[line_start:run[0][0]]))
            run.clear()

    for line in script[: end - start].splitlines(keepends=True):
        column = _comment_column(line)
        line_end = position + len(line.rstrip("\r\n"))
        if column is None:
            flush()
        else:
            text = line[column + 2:].rstrip("\r\n")
            text = text[1:] if text.startswith(" ") else text
            if line[:column].strip():  # inline comment after code
                flush()
                if re.search(r"[^\W\d_]{2,}", text):
                    found.append(PageText("comment", text.strip(), source.count("\n", 0, position) + 1, position + column, line_end, "inline comment"))
            else:
                if run and (column != run[-1][2]):
                    flush()
                run.append((position + column, line_end, column, text.rstrip()))
        position += len(line)
    flush()
    return found


def _comment_column(line: str) -> int | None:
    """Column of a ``//`` comment in one line of JavaScript, outside string literals (None if none)."""
    quote = None
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\":
                index += 2
                continue
            if char == quote:
                quote = None
        elif char in "\"'`":
            quote = char
        elif line.startswith("//", index):
            return index
        index += 1
    return None


def page_texts(source: str) -> list[PageText]:
    """Every translatable text of a page, in source order.

    Typical use::

        [t.msgid for t in page_texts("<p>Status: <b>on</b></p>")]   # ['Status:', 'on']
    """
    collector = _Collector(source)
    collector.feed(source)
    collector.close()
    found = list(collector.texts)
    for start, end in collector.scripts:
        found += _script_texts(source, start, end)
    return sorted(found, key=lambda text: text.start)


def _render(text: PageText, translation: str) -> str:
    if text.kind == "text":
        return html.escape(translation, quote=False)
    if text.kind == "js string":
        return json.dumps(translation, ensure_ascii=False)
    if text.kind == "inline comment":
        return "// " + " ".join(part.strip() for part in translation.splitlines() if part.strip())
    return ("\n" + text.indent).join(("// " + line.rstrip()) if line.strip() else "//" for line in translation.split("\n"))


def localise(source: str, texts: list[PageText], translations: dict[tuple[str, str], str], lang: str) -> str:
    """The page in ``lang``: translated texts (English where missing) and ``<html lang="...">``.

    Typical use::

        localise(source, page_texts(source), {("page text", "Status:"): "Estado:"}, "es")
    """
    for text in sorted(texts, key=lambda item: item.start, reverse=True):
        translation = translations.get(text.key)
        if translation:
            source = source[: text.start] + _render(text, translation) + source[text.end:]
    return _LANG_ATTRIBUTE.sub(lambda match: match.group(1) + lang + match.group(3), source, count=1)


def template(page: Path, root: Path = layout.ROOT):
    """Template catalog of one page (what ``tools/i18n.py extract`` writes to ``locale/web/<name>.pot``).

    Typical use::

        [e.msgid for e in template(ROOT / "notebooks/en/web/ws-page.html")][:2]   # ['WebSocket messages', 'Status:']
    """
    from . import catalogs

    catalog = catalogs.new_catalog()
    where = layout.source_relative(page, root)
    seen = {}
    for text in page_texts(page.read_text(encoding="utf-8")):
        label = f"{'script' if text.kind != 'text' else 'page'}, line {text.line}"
        entry = seen.get(text.key)
        if entry is None:
            entry = catalogs.message(text.msgid, comment=label, occurrences=[(where, str(text.line))], context=text.context)
            seen[text.key] = entry
            catalog.append(entry)
        else:
            entry.comment += "\n" + label
            entry.occurrences.append((where, str(text.line)))
    return catalog


def edition_page(page: Path, lang: str, root: Path = layout.ROOT, locale: Path = layout.LOCALE) -> str:
    """The text of ``page`` in the ``lang`` edition.

    Typical use::

        edition_page(ROOT / "notebooks/en/web/ws-page.html", "fr")
    """
    from . import catalogs

    source = page.read_text(encoding="utf-8")
    catalog = catalogs.load(layout.catalog_path(lang, catalog_name(page, root), locale))
    return localise(source, page_texts(source), catalogs.code_translations(catalog), lang)


def build(lang: str, root: Path = layout.ROOT, out: Path | None = None, locale: Path = layout.LOCALE) -> list[Path]:
    """Write every page of the ``lang`` edition under ``out`` (default: the repository); return those changed.

    Typical use::

        build("es")   # [Path('notebooks/es/web/ws-page.html')]
    """
    written = []
    for page in pages(root):
        relative = page.relative_to(root / "notebooks" / layout.SOURCE_LANG)
        target = (out or root) / "notebooks" / lang / relative
        text = edition_page(page, lang, root, locale)
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
