"""Messages of the helpers catalog, found by Babel's Python extractor.

The ``helpers`` domain (``locale/<lang>/helpers.po``, read by
``helpers.messages._``) holds every message a student or an instructor sees
outside the lesson prose:

- ``helpers/*.py``: ``_("...")`` translates at once, ``N_("...")`` only marks,
  ``ngettext("...", "...", n)`` has a form per number (a ``msgid_plural`` entry);
- ``tools/course_grading/`` and ``nbgrader_config.py``: ``translated(lang, "...")``
  (nbgrader stubs such as "# YOUR CODE HERE", grading notes in feedback).

Typical use::

    template = helper_messages.template()
    "echo server" in helper_messages.extract()   # True
"""

from __future__ import annotations

from pathlib import Path

import polib
from babel.messages.extract import extract_from_dir, extract_from_file

from . import catalogs
from .layout import ROOT

__all__ = ["KEYWORDS", "SOURCES", "extract", "plurals", "template"]

#: Function name -> which argument is the message (None: the first; two numbers: singular and plural).
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "translated": (2,)}
#: Folders and files scanned, relative to the repository root.
SOURCES = ("helpers", "tools/course_grading", "nbgrader_config.py")


def _messages(path: Path):
    options = {"keywords": KEYWORDS, "comment_tags": (), "strip_comment_tags": True}
    if path.is_dir():
        for filename, lineno, text, _comments, _context in extract_from_dir(str(path), method_map=[("**.py", "python")], **options):
            yield (path / filename), lineno, text
    elif path.exists():
        for lineno, text, _comments, _context in extract_from_file("python", str(path), **options):
            yield path, lineno, text


def _scan(root: Path, sources) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
    found: dict[str, list[tuple[str, str]]] = {}
    plural: dict[str, str] = {}
    for source in sources:
        for path, lineno, text in _messages(root / source):
            if isinstance(text, tuple):  # ngettext: (singular, plural)
                if len(text) != 2 or not all(isinstance(part, str) and part for part in text):
                    continue
                singular, plural_text = text
                plural[singular] = plural_text
                text = singular
            if not isinstance(text, str) or not text:  # empty strings are not used here
                continue
            location = (path.relative_to(root).as_posix(), str(lineno))
            found.setdefault(text, []).append(location)
    return found, plural


def extract(root: Path = ROOT, sources=SOURCES) -> dict[str, list[tuple[str, str]]]:
    """English message (a plural message: its singular) -> its source locations ("helpers/errors.py", "82").

    Typical use::

        extract()["stopped"]   # [('helpers/background.py', '226'), ...]
    """
    return _scan(root, sources)[0]


def plurals(root: Path = ROOT, sources=SOURCES) -> dict[str, str]:
    """English singular -> English plural, for the messages marked with ``ngettext``.

    Typical use::

        plurals()["{count} byte"]   # '{count} bytes'
    """
    return _scan(root, sources)[1]


def template(root: Path = ROOT) -> polib.POFile:
    """The ``helpers.pot`` template: one entry per message, in source order.

    Messages with ``{placeholders}`` are flagged ``python-brace-format``, so
    Poedit and ``msgfmt -c`` warn a translator who changes one. A ``ngettext``
    message has ``msgid_plural`` and one ``msgstr[n]`` per plural form of the language.

    Typical use::

        catalogs.save(template(), "locale/helpers.pot")
    """
    catalog = catalogs.new_catalog()
    found, plural = _scan(root, SOURCES)
    for text, locations in found.items():
        flags = ["python-brace-format"] if catalogs.placeholders(text + plural.get(text, "")) else []
        catalog.append(catalogs.message(text, occurrences=locations, flags=flags, plural=plural.get(text)))
    return catalog
