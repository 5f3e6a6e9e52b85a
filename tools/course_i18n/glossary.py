"""Each language's glossary (``locale/<lang>/glossary.toml``): required terms, forbidden forms.

The file has two kinds of rule, both checked on every translated message
(prose only: code spans, links and URLs are ignored):

- ``[[term]]``: when the English text uses ``english`` (a word or regular
  expression, plural ``s`` allowed), the translation must contain one of
  ``use`` (case-insensitive substrings, so "servidor" also covers "servidores").
- ``[[forbidden]]``: the regular expression ``form`` must not appear in a
  translation (case-insensitive unless ``case_sensitive = true``), except in
  a message whose English (code included) matches ``unless_english``.

Typical use::

    rules = glossary.load("es")
    glossary.violations(rules, "The server", "El anfitrión")
    # ['uses «servidor» ...', 'forbidden «anfitrión» ...']
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .layout import LOCALE
from .prose import prose

__all__ = ["Term", "Forbidden", "Glossary", "load", "violations"]


@dataclass(frozen=True)
class Term:
    english: re.Pattern
    use: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Forbidden:
    form: re.Pattern
    reason: str
    unless_english: re.Pattern | None


@dataclass(frozen=True)
class Glossary:
    lang: str
    terms: tuple[Term, ...]
    forbidden: tuple[Forbidden, ...]


def path_for(lang: str, locale: Path = LOCALE) -> Path:
    """Where ``lang``'s glossary lives.

    Typical use::

        path_for("es")   # locale/es/glossary.toml
    """
    return locale / lang / "glossary.toml"


def load(lang: str, locale: Path = LOCALE) -> Glossary:
    """Read and compile ``locale/<lang>/glossary.toml``.

    Typical use::

        load("zh-TW").forbidden[0].reason
    """
    data = tomllib.loads(path_for(lang, locale).read_text(encoding="utf-8"))
    terms = tuple(
        Term(
            english=re.compile(rf"\b(?:{item['english']})(?:s|es)?\b", re.IGNORECASE),
            use=tuple(form.lower() for form in item["use"]),
            label=item["english"],
        )
        for item in data.get("term", [])
    )
    forbidden = tuple(
        Forbidden(
            form=re.compile(item["form"], 0 if item.get("case_sensitive") else re.IGNORECASE),
            reason=item["reason"],
            unless_english=re.compile(item["unless_english"], re.IGNORECASE) if item.get("unless_english") else None,
        )
        for item in data.get("forbidden", [])
    )
    return Glossary(lang=data.get("language", lang), terms=terms, forbidden=forbidden)


def violations(rules: Glossary, english: str, translation: str) -> list[str]:
    """Glossary rules that ``translation`` of ``english`` breaks (empty when it follows them).

    Typical use::

        violations(load("es"), "one socket", "un enchufe")
    """
    english_words, translated_words = prose(english), prose(translation)
    lowered = translated_words.lower()
    found = []
    for term in rules.terms:
        if term.english.search(english_words) and not any(form in lowered for form in term.use):
            found.append(f"English uses {term.label!r}: the translation should say one of {list(term.use)}")
    for rule in rules.forbidden:
        if rule.unless_english is not None and rule.unless_english.search(english):
            continue
        match = rule.form.search(translated_words)
        if match:
            found.append(f"forbidden {match.group(0)!r}: {rule.reason}")
    return found
