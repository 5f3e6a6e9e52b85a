"""Messages in the student's language, read from gettext catalogs.

The English text is the message id (as in the Python documentation's
catalogs); ``locale/<lang>/helpers.po`` holds the translations. Catalogs are
read with polib, so no compiled ``.mo`` file can fall out of date.

Typical use::

    from helpers.messages import _
    raise ValueError(_("Port {port} is out of range (0-65535).", port=port))
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import polib

__all__ = ["LANGUAGES", "CATALOG_DIR", "_", "N_", "translate", "get_language", "set_language", "catalog_path"]

#: Course languages as BCP 47 tags (folder names under ``locale/``).
LANGUAGES = ("en", "es", "fr", "id", "zh-TW")

#: Where the catalogs live: ``locale/`` beside the package (editable install).
CATALOG_DIR = Path(__file__).resolve().parent.parent / "locale"

_state = threading.local()
_default_language = ["en"]


def normalise_language(lang: str) -> str:
    """Return the course's tag for ``lang`` ("zh_TW", "ZH-tw" -> "zh-TW").

    Typical use::

        normalise_language("es_ES")   # -> "es"
    """
    if not isinstance(lang, str):
        raise TypeError(f"lang must be a string such as 'en' or 'es', not {type(lang).__name__}")
    wanted = lang.strip().replace("_", "-").lower()
    for tag in LANGUAGES:
        if wanted == tag.lower():
            return tag
    base = wanted.split("-")[0]
    if base == "zh":
        return "zh-TW"
    if base in LANGUAGES:
        return base
    choices = ", ".join(LANGUAGES)
    raise ValueError(f"Unknown course language {lang!r}; choose one of: {choices}.")


def set_language(lang: str) -> str:
    """Make ``lang`` the language of every message the helpers show.

    Typical use::

        set_language("fr")
    """
    tag = normalise_language(lang)
    _default_language[0] = tag
    return tag


def get_language() -> str:
    """Return the current message language tag, e.g. ``"en"``.

    Typical use::

        get_language()   # -> "en"
    """
    return getattr(_state, "lang", None) or _default_language[0]


def catalog_path(lang: str, domain: str = "helpers") -> Path:
    """Path of the catalog ``domain`` for ``lang``.

    Typical use::

        catalog_path("es")   # -> .../locale/es/helpers.po
    """
    return CATALOG_DIR / normalise_language(lang) / f"{domain}.po"


@functools.lru_cache(maxsize=None)
def _translations(lang: str) -> dict[str, str]:
    # Only the helpers' own messages: texts of lesson and exercise cells are translated
    # into the cells themselves when an edition is built (tools/course_i18n/code_text.py).
    path = catalog_path(lang)
    if lang == "en" or not path.exists():
        return {}
    return {
        entry.msgid: entry.msgstr
        for entry in polib.pofile(str(path))
        if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags
    }


def _(message: str, /, **values) -> str:
    """Translate ``message`` into the current language and fill in ``values``.

    A missing translation falls back to English, never to an error.

    Typical use::

        _("Connection refused by {address}.", address="127.0.0.1:5000")
    """
    text = _translations(get_language()).get(message, message)
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return message.format(**values)
    return text


def translate(message: str, /, **values) -> str:
    """Public name of ``_``: a helpers message in the student's language, ``values`` filled in.

    Lessons and exercises do not need it (their cells are translated when an
    edition is built); it serves code outside the course's notebooks that
    shows a helpers message, where a bare ``_`` could be shadowed.

    Typical use::

        helpers.translate("Score: {score}/{total}", score=2, total=3)
    """
    return _(message, **values)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (translated later with ``_``).

    Typical use::

        kind = N_("echo server")   # stored in English ...
        _(kind)                    # ... shown in the student's language
    """
    return message
