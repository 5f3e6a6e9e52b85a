"""Is a piece of prose written in the expected language? (lingua, offline)

Only the prose is judged (code, links and URLs removed), and texts too short
to tell (a heading such as "TCP", a cell that is only code) are accepted.
The detector knows only English plus the languages asked for, which keeps it
fast and its answers sharp; build it once and reuse it.

Typical use::

    detector = language_check.Detector(["es"])
    detector.mismatch("El servidor escucha en un puerto.", "es")   # None (fine)
"""

from __future__ import annotations

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from .prose import prose, word_count

__all__ = ["MIN_WORDS", "Detector", "lingua_language"]

#: Fewer prose words than this: too short to judge.
MIN_WORDS = 5


def lingua_language(lang: str) -> Language:
    """The lingua language of a course tag ("zh-TW" -> CHINESE).

    Typical use::

        lingua_language("es")   # Language.SPANISH
    """
    base = lang.split("-")[0].upper()
    return Language.from_iso_code_639_1(getattr(IsoCode639_1, base))


class Detector:
    """A lingua detector for English plus ``langs``.

    Typical use::

        Detector(["es", "fr"]).detect("Bonjour à tous les étudiants du cours")   # 'fr'
    """

    def __init__(self, langs):
        self.tags = {lingua_language(lang): lang for lang in langs}
        self.tags.setdefault(Language.ENGLISH, "en")
        self._detector = LanguageDetectorBuilder.from_languages(*self.tags).build()

    def detect(self, text: str) -> str | None:
        """Course tag of the language of ``text``'s prose, or None if too short or unclear.

        Typical use::

            detector.detect("The server listens on a port.")   # 'en'
        """
        words = prose(text)
        if word_count(words) < MIN_WORDS:
            return None
        found = self._detector.detect_language_of(words)
        return self.tags.get(found) if found is not None else None

    def mismatch(self, text: str, lang: str) -> str | None:
        """None if ``text`` is in ``lang`` (or too short to tell), else the language it looks like.

        Typical use::

            detector.mismatch("The server listens.", "es")   # 'en'
        """
        found = self.detect(text)
        return None if found in (None, lang) else found
