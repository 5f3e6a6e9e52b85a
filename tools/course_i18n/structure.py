"""Does a translated markdown cell keep the shape of the English one?

A translation rewrites words, never structure: it keeps the headings, the
paragraphs, list items and table rows, the fenced blocks, the link targets and
every inline code span of the English cell. Comparing these catches a cell
translated only halfway, a dropped paragraph or an edited identifier.

Typical use::

    structure.differences("## Title\\n\\nUse `recv()`.", "## Título\\n\\nUsa `recv`.", "es")
    # ['inline code `recv()` is missing']
"""

from __future__ import annotations

import re
from collections import Counter

from .links import localise_links

__all__ = ["shape", "differences"]

_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)
_FENCED_BLOCK = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_LINK_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)")


def _lines(text: str, pattern: str) -> int:
    return len(re.findall(pattern, text, re.MULTILINE))


def shape(markdown: str) -> dict:
    """Counts and lists that a faithful translation keeps.

    Typical use::

        shape("# A\\n\\n- b\\n- c")["list items"]   # 2
    """
    outside = _FENCED_BLOCK.sub("\n", markdown)
    paragraphs = [block for block in re.split(r"\n[ \t]*\n", outside) if block.strip()]
    return {
        "headings": _lines(outside, r"^#{1,6} "),
        "paragraphs": len(paragraphs),
        "list items": _lines(outside, r"^[ \t]*(?:[-*+]|\d+\.) "),
        "table rows": _lines(outside, r"^[ \t]*\|"),
        "fenced blocks": len(_FENCE.findall(markdown)) // 2,
        "links": Counter(_LINK_TARGET.findall(outside)),
        "code": Counter(match.group(2).strip() for match in _INLINE_CODE.finditer(outside)),
    }


def differences(english: str, translation: str, lang: str, equivalents: dict[str, str] | None = None) -> list[str]:
    """Where ``translation`` departs from the shape of ``english`` (empty when it keeps it).

    Links may already point at ``lang``'s folders; extra code spans are allowed
    (a translator may mark up a term), missing ones are not, unless the span
    is a message with a translation in ``equivalents`` (e.g. the nbgrader stub
    ``# YOUR CODE HERE`` from helpers.po) that the translation uses instead.

    Typical use::

        assert not differences(msgid, msgstr, "es")
    """
    source = shape(localise_links(english, lang))
    target = shape(localise_links(translation, lang))
    found = [
        f"{key}: {source[key]} in English, {target[key]} in the translation"
        for key in ("headings", "paragraphs", "list items", "table rows", "fenced blocks")
        if source[key] != target[key]
    ]
    if source["links"] != target["links"]:
        found.append(f"link targets differ: {sorted(source['links'] - target['links'])} missing")
    localised = Counter({localise_links(f"]({span})", lang)[2:-1] if "/en/" in span else span: n for span, n in target["code"].items()})
    equivalents = equivalents or {}
    missing = [
        span
        for span in source["code"]
        if span not in target["code"]
        and span.replace("/en/", f"/{lang}/") not in localised
        and equivalents.get(span) not in target["code"]
    ]
    if missing:
        found.append(f"inline code missing: {missing}")
    return found
