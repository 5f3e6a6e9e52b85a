"""Point links to course files at the same language's edition.

A lesson links e.g. ``../../exercises/en/a1-sockets/a1-sockets.ipynb``; in the
Spanish edition that link must open ``exercises/es/...``. Translators keep links
exactly as in English and the build rewrites them, so a catalog never goes out
of date when an edition moves. Web links (``https://...``) are left alone.

Typical use::

    localise_links("[next](../../notebooks/en/05-udp.ipynb)", "es")
    # '[next](../../notebooks/es/05-udp.ipynb)'
"""

from __future__ import annotations

import re

__all__ = ["localise_target", "localise_links", "localise_paths"]

COURSE_FOLDERS = ("notebooks", "solutions", "exercises")
_SEGMENT = re.compile(r"(^|/)(" + "|".join(COURSE_FOLDERS) + r")/en(?=/|$)")
_SIBLING = re.compile(r"^((?:\.\./)+)en(?=/|$)")  # ../en/x from one language folder to another
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_MARKDOWN_LINK = re.compile(r"(\]\(\s*<?)([^)\s>]+)")
_REFERENCE = re.compile(r"(^[ ]{0,3}\[[^\]]+\]:[ \t]*<?)(\S+?)(?=>?(\s|$))", re.MULTILINE)
_HTML_ATTRIBUTE = re.compile(r"""(\b(?:href|src)\s*=\s*["'])([^"']+)""")
_PROSE_PATH = re.compile(r"(?<![\w/.:-])(" + "|".join(COURSE_FOLDERS) + r")/en(?=/|\b)")


def localise_target(target: str, lang: str) -> str:
    """Rewrite one link target from the English folder to ``lang``'s (web links untouched).

    Typical use::

        localise_target("../../solutions/en/a1/a1.ipynb#Tests", "es")   # '../../solutions/es/a1/a1.ipynb#Tests'
    """
    if _SCHEME.match(target) or target.startswith(("#", "//")):
        return target
    target = _SEGMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}/{lang}", target)
    return _SIBLING.sub(lambda m: f"{m.group(1)}{lang}", target)


def localise_links(markdown: str, lang: str) -> str:
    """Rewrite every course-file link of a markdown text (inline, reference and HTML links).

    Typical use::

        localise_links('<a href="../en/web/page.html">page</a>', "fr")   # '<a href="../fr/web/page.html">page</a>'
    """
    def rewrite(match: re.Match) -> str:
        return match.group(1) + localise_target(match.group(2), lang)

    for pattern in (_MARKDOWN_LINK, _REFERENCE, _HTML_ATTRIBUTE):
        markdown = pattern.sub(rewrite, markdown)
    return markdown


def localise_paths(markdown: str, lang: str) -> str:
    """Rewrite course folders named in the text (``exercises/en/``, also in code spans) to ``lang``'s.

    Lesson 00 tells students where the exercises are: in the Spanish edition
    that is ``exercises/es/``. URLs are left alone (a path inside
    ``https://...`` is preceded by ``/``).

    Typical use::

        localise_paths("they live in the `exercises/en/` folder", "es")   # 'they live in the `exercises/es/` folder'
    """
    return _PROSE_PATH.sub(lambda match: f"{match.group(1)}/{lang}", markdown)
