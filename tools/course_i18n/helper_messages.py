"""Messages of the helpers catalog, found by Babel's Python extractor.

The ``helpers`` domain (``locale/<lang>/helpers.po``, read by
``helpers.messages._``) holds every message a student or an instructor sees
outside the lesson prose:

- ``helpers/*.py``: ``_("...")`` translates at once, ``N_("...")`` only marks;
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

__all__ = ["KEYWORDS", "SOURCES", "extract", "template"]

#: Function name -> which argument is the message (None: the first).
KEYWORDS = {"_": None, "N_": None, "translated": (2,)}
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


def extract(root: Path = ROOT, sources=SOURCES) -> dict[str, list[tuple[str, str]]]:
    """English message -> its source locations ("helpers/errors.py", "82"), for every source.

    Typical use::

        extract()["stopped"]   # [('helpers/background.py', '226'), ...]
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for source in sources:
        for path, lineno, text in _messages(root / source):
            if not isinstance(text, str) or not text:  # plural tuples / empty strings are not used here
                continue
            location = (path.relative_to(root).as_posix(), str(lineno))
            found.setdefault(text, []).append(location)
    return found


def template(root: Path = ROOT) -> polib.POFile:
    """The ``helpers.pot`` template: one entry per message, in source order.

    Messages with ``{placeholders}`` are flagged ``python-brace-format``, so
    Poedit and ``msgfmt -c`` warn a translator who changes one.

    Typical use::

        catalogs.save(template(), "locale/helpers.pot")
    """
    catalog = catalogs.new_catalog()
    for text, locations in extract(root).items():
        flags = ["python-brace-format"] if catalogs.placeholders(text) else []
        catalog.append(catalogs.message(text, occurrences=locations, flags=flags))
    return catalog
