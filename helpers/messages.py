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
import gettext
import threading
from pathlib import Path

import polib

__all__ = ["LANGUAGES", "CATALOG_DIR", "_", "N_", "ngettext", "translate", "get_language", "set_language", "catalog_path"]

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
def _catalog(lang: str) -> tuple[dict[str, str], dict[str, list[str]], object]:
    """(singular translations, plural forms by English singular, plural rule) of ``lang``."""
    # Only the helpers' own messages: texts of lesson and exercise cells are translated
    # into the cells themselves when an edition is built (tools/course_i18n/code_text.py).
    path = catalog_path(lang)
    if lang == "en" or not path.exists():
        return {}, {}, _english_plural
    catalog = polib.pofile(str(path))
    usable = [entry for entry in catalog if not entry.obsolete and "fuzzy" not in entry.flags]
    singular = {entry.msgid: entry.msgstr for entry in usable if entry.msgstr and not entry.msgid_plural}
    plural = {}
    for entry in usable:
        forms = [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)] if entry.msgid_plural else []
        if forms and all(forms):
            plural[entry.msgid] = forms
    return singular, plural, _plural_rule(catalog.metadata.get("Plural-Forms", ""))


def _english_plural(n: int) -> int:
    return 0 if n == 1 else 1


def _plural_rule(header: str):
    """The ``plural=`` expression of a Plural-Forms header as a function (gettext's own parser)."""
    for part in header.split(";"):
        name, _sep, expression = part.strip().partition("=")
        if name.strip() == "plural" and expression.strip():
            try:
                return gettext.c2py(expression.strip())
            except (ValueError, SyntaxError):
                break
    return _english_plural


def _translations(lang: str) -> dict[str, str]:
    return _catalog(lang)[0]


_translations.cache_clear = _catalog.cache_clear  # tests that swap a catalog re-read it


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


def ngettext(singular: str, plural: str, n: int, /, **values) -> str:
    """The form of a message for the number ``n`` in the current language, ``values`` filled in.

    English has two forms (1 / other); each catalog says how many its language has and
    which one a number takes (its Plural-Forms header: French uses the singular for 0
    and 1, Indonesian and Chinese have one form). A missing translation falls back to
    English. ``n`` itself is not filled in: pass it among ``values`` (``count=n``).

    Typical use::

        ngettext("{count} byte", "{count} bytes", n, count=n)   # "1 byte", "5 bytes"
    """
    _singular, plurals, rule = _catalog(get_language())
    forms = plurals.get(singular)
    english = singular if _english_plural(n) == 0 else plural
    text = english
    if forms:
        try:
            text = forms[min(int(rule(n)), len(forms) - 1)]
        except (TypeError, ValueError, ArithmeticError):
            text = english
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return english.format(**values)
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
