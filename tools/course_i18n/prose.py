"""The prose of a markdown text: code, links, HTML, math and URLs removed.

Glossary and language checks look only at the words a translator wrote,
never at identifiers (``socket.socket``) that stay English in every edition.

Typical use::

    prose("Call `sock.recv(1024)` on the [socket](https://docs.python.org).")
    # 'Call  on the socket.'
"""

from __future__ import annotations

import re

__all__ = ["prose", "word_count"]

_FENCED = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_HTML_BLOCK = re.compile(r"<(pre|code|script|style)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>\n]+>")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.DOTALL)
_LINK_TARGET = re.compile(r"(\]\([^)]*\))|(^[ ]{0,3}\[[^\]]+\]:.*$)", re.MULTILINE)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_URL = re.compile(r"\b(?:https?|ftp|wss?|file)://\S+")
_ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")  # str.format fields of helper messages
_QUOTED_TOKEN = re.compile(r"(?<![^\W\d_])'[^'\n]*'(?![^\W\d_])")  # 'listener', 'Got connection' (not l'adresse, don't)
_CODE_TOKEN = re.compile(r"\b\w+(?:[._]\w+)*\(\)|\b\w+(?:[._]\w+)+\b")  # run_server(), srv.address
_CALL = re.compile(r"\b\w+(?:\.\w+)*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)")  # bind((host, port)) in plain text


def prose(markdown: str) -> str:
    """The words of ``markdown`` without code, link targets, HTML tags, math, URLs or identifiers.

    Identifiers are inline code, ``{placeholders}``, quoted single tokens
    (``'listener'``) and dotted or underscored names (``srv.address``, ``run_server()``).

    Typical use::

        prose("Use `bind()` here")   # 'Use  here'
    """
    text = _FENCED.sub(" ", markdown)
    text = _HTML_BLOCK.sub(" ", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _IMAGE.sub(" ", text)
    text = _LINK_TARGET.sub(lambda m: "]" if m.group(1) else " ", text)
    text = _MATH.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _ENTITY.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    text = _QUOTED_TOKEN.sub(" ", text)
    text = _CALL.sub(" ", text)
    return _CODE_TOKEN.sub(" ", text)


_WORD = re.compile(r"[^\W\d_]{2,}|[\u3400-\u9fff]", re.UNICODE)


def word_count(text: str) -> int:
    """Words of two or more letters (each Han character counts as one word).

    Typical use::

        word_count("El servidor 127.0.0.1")   # 2
    """
    return len(_WORD.findall(text))
