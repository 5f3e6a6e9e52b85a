"""Does a markdown cell render as intended in a CommonMark renderer (markdown-it-py)?

Two mistakes that a translation makes and a reader sees, though the source
looks right:

- **literal markers**: ``**你要做什麼：**寫`` renders with its asterisks,
  because CommonMark does not close ``**`` after punctuation when a letter
  follows (the "flanking" rule); an unbalanced backtick shows as a backtick.
  Any ``**``, ``__`` or backtick left in the rendered text is such a mistake.
- **stray spaces in CJK text**: a line break inside a Chinese sentence (kept
  from the English wrapping) renders as a space between two characters, or
  next to full-width punctuation (``、``, ``：``), which carries its own spacing.
  (A space between a Han character and a Latin word is a typographic choice,
  not flagged.)

Typical use::

    rendering.problems("**你要做什麼：**寫程式", "zh-TW")   # ['literal "**" in rendered text: ...']
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

__all__ = ["renderer", "rendered_text", "problems", "CJK"]

#: Han characters, CJK punctuation and full-width forms.
CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_END = re.compile(f"[{CJK}]$")
_CJK_START = re.compile(f"^[{CJK}]")
_CJK_SPACE = re.compile(f"[{CJK}] +[{CJK}]")
#: Full-width punctuation carries its own spacing: no space may follow or precede it.
FULL_WIDTH_PUNCTUATION = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_PUNCT_END = re.compile(f"[{FULL_WIDTH_PUNCTUATION}]$")
_PUNCT_START = re.compile(f"^[{FULL_WIDTH_PUNCTUATION}]")
_PUNCT_SPACE = re.compile(f"[{FULL_WIDTH_PUNCTUATION}] +\\S|\\S +[{FULL_WIDTH_PUNCTUATION}]")
_MARKERS = ("**", "__", "`")


def renderer() -> MarkdownIt:
    """CommonMark with tables and strikethrough (what JupyterLab's renderer also understands).

    Typical use::

        renderer().render("**bold**")   # '<p><strong>bold</strong></p>\\n'
    """
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _inline_tokens(markdown: str):
    for token in renderer().parse(markdown):
        if token.type == "inline":
            yield token.children or []


def rendered_text(markdown: str) -> list[str]:
    """The plain text pieces a reader sees (code spans, code blocks and HTML left out).

    Typical use::

        rendered_text("Use `recv()` **now**")   # ['Use ', 'now']
    """
    return [child.content for children in _inline_tokens(markdown) for child in children if child.type == "text"]


def problems(markdown: str, lang: str) -> list[str]:
    """What renders wrongly in ``markdown``: literal markers anywhere, stray spaces inside CJK text (zh).

    Typical use::

        problems("說明\\n文字", "zh-TW")   # ['line break between CJK characters renders as a space: ...']
    """
    found = []
    for children in _inline_tokens(markdown):
        for index, child in enumerate(children):
            if child.type == "text":
                for marker in _MARKERS:
                    if marker in child.content:
                        found.append(f"literal {marker!r} in rendered text: {child.content[:60]!r}")
                        break
                if lang.startswith("zh") and (_CJK_SPACE.search(child.content) or _PUNCT_SPACE.search(child.content)):
                    found.append(f"space between CJK characters: {child.content[:60]!r}")
            if lang.startswith("zh") and child.type == "softbreak" and 0 < index < len(children) - 1:
                before, after = _text_edge(children, index, -1), _text_edge(children, index, 1)
                cjk_pair = _CJK_END.search(before) and _CJK_START.search(after)
                by_punctuation = (_PUNCT_END.search(before) and after) or (before and _PUNCT_START.search(after))
                if cjk_pair or by_punctuation:
                    found.append(f"line break between CJK characters renders as a space: {before[-10:]!r} / {after[:10]!r}")
    return found


def _text_edge(children, index: int, step: int) -> str:
    """The text next to position ``index`` going ``step`` (-1 back, +1 forward), through emphasis marks."""
    position = index + step
    while 0 <= position < len(children):
        child = children[position]
        if child.type in ("text", "code_inline"):
            return child.content
        if child.type in ("softbreak", "hardbreak"):
            return ""
        position += step
    return ""
