"""Checks behind "every word a student reads is in the edition's language" (used by test_language_done.py).

Each check returns a list of problems (empty: fine), so the tests can run it
on the real editions and on throw-away or purpose-broken files alike.

What may stay English, in one place (``ALLOWED_ENGLISH``): Python's own
exception text, protocol data (FTP/SMTP replies, HTTP status and request
lines), reprs of Python objects and bytes, and identifiers (removed by
``prose``); besides, the texts a notebook's code compares, which
``code_rules`` keeps English on purpose ("Got connection from" in lesson 03).
Everything else a student reads is judged two ways:

- **catalogs**: a fragment of an extracted English text (a code text of the
  notebook, a helpers message, a page text) found in the edition is
  untranslated, unless the language's own translation contains it too (the
  translator kept it on purpose);
- **lingua**: an output line, comment, docstring or page text that reads as an
  English sentence.

Typical use::

    problems = language_done.output_problems(edition, "es", detector, fragments)
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

import nbformat

from course_i18n import catalogs, code_rules, code_text, layout, notebook_text, web_pages

__all__ = [
    "ALLOWED_ENGLISH",
    "strip_allowed",
    "english_fragments",
    "output_texts",
    "output_problems",
    "code_problems",
    "page_problems",
]

#: What may stay English in a student's view of an edition, with the reason. Applied line by line.
ALLOWED_ENGLISH = [
    (re.compile(r"\b[A-Z]\w*(?:Error|Exception|Warning|Interrupt)\b:?.*$"), "Python's exception name and its own message"),
    (re.compile(r"\[Errno -?\d+\].*$"), "the operating system's error message"),
    (re.compile(r"\btimed out\b"), "socket.timeout's message"),
    (re.compile(r"^\s*\d{3}(?:[ -].*)?$"), "FTP / SMTP / HTTP replies (code and server text)"),
    (re.compile(r"\"(?:GET|POST|HEAD|PUT) \S+ HTTP/\d\.\d\" \d{3}.*$"), "HTTP request lines in a server log"),
    (re.compile(r"\bHTTP/\d(?:\.\d)? \d{3}\b.*$"), "HTTP status lines"),
    (re.compile(r"\bb(['\"]).*?(?<!\\)\1"), "bytes shown as Python writes them (protocol data)"),
    (re.compile(r"<[\w.]+(?::| )[^<>]*>"), "reprs of Python objects (<AddressFamily.AF_INET: 2>)"),
    (re.compile(r"(['\"])(?:(?!\1).)*\1"), "strings shown as Python writes them (repr)"),
    (re.compile(r"\b(?:Subject|From|To|Content-Type|Host|Upgrade|Connection|Sec-WebSocket-\w+):"), "header names"),
    (re.compile(r"(?:illegal IP address string passed to inet_pton|cannot be called from a running event loop"
                r"|service/proto not found|Name or service not known|Connection refused|Broken pipe"
                r"|unpack requires a buffer of \d+ bytes)"),
     "Python's and the OS's own error messages, printed without their class name"),
    (re.compile(r"(?:unable to get local issuer certificate|Hostname mismatch, certificate is not valid for\b.*$"
                r"|certificate has expired)"),
     "OpenSSL's certificate verification messages (ssl.SSLCertVerificationError.verify_message)"),
    (re.compile(r"^\s*(?:State\s+Recv-Q|Netid\s+State|COMMAND\s+PID\s+USER).*$"), "column headers of ss and lsof"),
    (re.compile(r"^\s*\S+\s+\d+\s+\S+\s+\d+\w\s+IPv[46]\s.*$"), "a row of lsof (a system tool's output)"),
    (re.compile(r"\b[a-z_][\w.]*=\S+"), "name=value pairs, as Python writes keyword arguments and attributes"),
    (re.compile(r"\{[^{}]*:[^{}]*;[^{}]*\}"), "CSS rules of a page the lesson prints (code)"),
    (re.compile(r"\b[a-z][\w+.-]*://\S*|\b[\w.-]+\.(?:html|py|txt|json)\b\S*"), "URLs and file names"),
    (re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s*[（(][A-Za-z][A-Za-z /-]*[）)]"),
     "an English term in brackets after its Chinese translation (the glossary's convention)"),
    (re.compile(r"(?<![\w:.])(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b|(?<![\w:])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F.]{0,15}){2,}"),
     "IP addresses"),
    (re.compile(r"\b(?:True|False|None|IPv[46])\b"), "Python's values and the IP version names"),
    (re.compile(r"^\s*(?:\+[\d.]+ ms\s+)?\S+ [→·] .*$"),
     "an event row of a trace's text form: its words are helpers.po labels (checked there), too short for the detector"),
]
#: Fragments shorter than this many words are not judged by the catalog check (labels like "hint:").
MIN_FRAGMENT_WORDS = 2


def strip_allowed(line: str) -> str:
    """``line`` with every allowed English part removed.

    Typical use::

        strip_allowed("TypeError: a bytes-like object is required, not 'str'")   # ''
    """
    for pattern, _reason in ALLOWED_ENGLISH:
        line = pattern.sub(" ", line)
    return line


def _fragments(text: str) -> list[str]:
    """The literal pieces of an English text between its fields, long enough to be judged."""
    pieces = re.split(r"\{\{|\}\}|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}", text)
    found = []
    for piece in pieces:
        for line in piece.split("\n"):
            line = line.strip(" :;,.-|")
            if len(code_rules.prose_words(line)) >= MIN_FRAGMENT_WORDS:
                found.append(line)
    return found


def english_fragments(catalog, contexts=None) -> list[str]:
    """Fragments of English that a translated edition must not show: msgids (fields removed) not kept by their translation.

    ``contexts``: only entries with these msgctxt (None: every entry).

    Typical use::

        english_fragments(catalogs.load("locale/es/notebooks/05-udp.po"), {"printed", "string"})
    """
    found = []
    for entry in catalog or []:
        if entry.obsolete or not entry.msgid or (contexts is not None and entry.msgctxt not in contexts):
            continue
        for fragment in _fragments(entry.msgid):
            if fragment not in (entry.msgstr or "") or entry.fuzzy:
                found.append(fragment)
    return sorted(set(found), key=len, reverse=True)


def output_texts(notebook) -> list[tuple[str, str]]:
    """(cell id, text) of every stored output a student reads (streams, text results, error messages).

    Typical use::

        output_texts(nbformat.read("notebooks/es/05-udp.ipynb", 4))[0]
    """
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                found.append((cell.get("id"), output.text))
            elif output.output_type in ("execute_result", "display_data"):
                found.append((cell.get("id"), output.get("data", {}).get("text/plain", "")))
            elif output.output_type == "error":
                found.append((cell.get("id"), f"{output.ename}: {output.evalue}"))
    return found


def output_problems(notebook, lang: str, detector, fragments: list[str], kept: list[str] = ()) -> list[str]:
    """English an edition's stored outputs show: catalog fragments, or lines lingua reads as English.

    ``kept``: English texts of the notebook's code that code_rules keeps English on purpose
    (``kept_texts``); they are not judged.

    Typical use::

        assert not output_problems(edition, "es", detector, fragments, kept_texts(source, "es"))
    """
    found = []
    for cell_id, text in output_texts(notebook):
        for line in text.splitlines():
            visible = strip_allowed(line)
            for kept_text in kept:
                visible = visible.replace(kept_text, " ")
            fragment = next((fragment for fragment in fragments if fragment in visible), None)
            if fragment:
                found.append(f"cell {cell_id}: untranslated {fragment!r} in output {line.strip()[:80]!r}")
            elif detector.mismatch(visible, lang) == "en":
                found.append(f"cell {cell_id}: English output {line.strip()[:80]!r}")
    return found


def _comments_and_docstrings(source: str) -> list[str]:
    python = code_text.python_source(source)
    if python is None:
        return []
    found, run = [], []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(python).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    for token in tokens:
        if token.type == tokenize.COMMENT and not code_rules.is_directive(token.string):
            run.append(token.string.lstrip("#").strip())
            continue
        if token.type != tokenize.NL and run:
            found.append(" ".join(run))
            run = []
    if run:
        found.append(" ".join(run))
    found += [text.msgid for text in code_text.cell_texts(source) if text.context == "docstring"]
    return found


def code_problems(edition, english, lang: str, detector, fragments: list[str]) -> list[str]:
    """English comments and docstrings in an edition's code cells, and untranslated code texts (catalog fragments).

    Typical use::

        assert not code_problems(edition, english, "es", detector, fragments)
    """
    found = []
    for index, cell in notebook_text.code_cells(edition):
        for text in _comments_and_docstrings(cell.source):
            if detector.mismatch(text, lang) == "en":
                found.append(f"cell {cell.get('id')}: English comment or docstring {text[:80]!r}")
        fragment = next((fragment for fragment in fragments if fragment in cell.source), None)
        if fragment:
            found.append(f"cell {cell.get('id')}: untranslated {fragment!r} in the code")
    return found


def page_problems(edition_source: str, english_source: str, lang: str, detector) -> list[str]:
    """A web page of the edition: its ``lang`` attribute and every visible text and comment in the language.

    Typical use::

        assert not page_problems(Path("notebooks/es/web/ws-page.html").read_text(), english, "es", detector)
    """
    found = []
    if not re.search(rf'<html\b[^>]*\blang="{re.escape(lang)}"', edition_source):
        found.append(f'the page does not say <html lang="{lang}">')
    english = web_pages.page_texts(english_source)
    mine = web_pages.page_texts(edition_source)
    if len(mine) != len(english):
        found.append(f"the page has {len(mine)} texts, English has {len(english)}")
    for theirs, ours in zip(english, mine):
        if theirs.msgid == ours.msgid and code_rules.prose_words(theirs.msgid):
            found.append(f"line {ours.line}: untranslated {ours.msgid[:60]!r}")
        elif detector.mismatch(ours.msgid, lang) == "en":
            found.append(f"line {ours.line}: English {ours.msgid[:60]!r}")
    return found


def notebook_fragments(source_path, lang: str, locale=layout.LOCALE) -> list[str]:
    """English fragments the edition of one source notebook must not show: its code texts and the helpers' messages.

    Typical use::

        notebook_fragments(ROOT / "notebooks/en/05-udp.ipynb", "es")
    """
    name = layout.catalog_name(source_path)
    code = english_fragments(catalogs.load(layout.catalog_path(lang, name, locale)), set(code_rules.ROLES) - {"comment", "docstring"})
    helpers = english_fragments(catalogs.load(layout.catalog_path(lang, layout.HELPERS_DOMAIN, locale)))
    # Texts the notebook's code compares stay English by design (code_rules): "Got connection from" ...
    kept = code_text.compared_texts([cell.source for _index, cell in notebook_text.code_cells(read(source_path))])
    return sorted({fragment for fragment in code + helpers if not any(fragment in text for text in kept)}, key=len, reverse=True)


def kept_texts(source_path, lang: str, locale=layout.LOCALE) -> list[str]:
    """The string texts of a source notebook's code that are not in its catalog: code_rules keeps them English.

    Sample data in several languages ("Grüße, 你好 ..."), texts the code compares, identifiers used as
    labels: a translated edition prints them as English does, by design. Only texts with prose words.

    Typical use::

        kept_texts(ROOT / "notebooks/en/04-tcp.ipynb", "es")   # ['Grüße, 你好: TCP keeps every byte in order', ...]
    """
    extracted = set()
    for entry in catalogs.load(layout.catalog_path(lang, layout.catalog_name(source_path), locale)) or []:
        extracted.update(_fragments(entry.msgid))
    found = set()
    for _index, cell in notebook_text.code_cells(read(source_path)):
        python = code_text.python_source(cell.source)
        try:
            tree = ast.parse(python or "")
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for piece in node.value.split("\n"):
                    piece = piece.strip(" :;,.-|")
                    if len(code_rules.prose_words(piece)) >= MIN_FRAGMENT_WORDS and piece not in extracted:
                        found.add(piece)
    return sorted(found, key=len, reverse=True)


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)
