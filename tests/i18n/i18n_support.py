"""Shared constants of the translation checks (imported by the tests in this folder)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))  # tools/course_i18n is the pipeline under test

from course_i18n import layout  # noqa: E402

#: Languages with catalogs (locale/<lang>/); every check runs for each.
LANGUAGES = layout.languages()
#: Languages whose generated editions exist (notebooks/<lang>/ or solutions/<lang>/).
EDITIONS = [lang for lang in LANGUAGES if any((ROOT / area / lang).is_dir() for area in layout.AREAS)]
#: Languages whose code texts (comments, docstrings, printed and check messages, quiz data, plot labels)
#: and web pages are translated: for these, the catalogs must be complete for code texts too and the
#: "every word in the language" checks of test_language_done.py apply. The lead adds a language here
#: once its translations have landed (see docs/translators.md).
CODE_TEXT_LANGUAGES: list[str] = ["es", "fr", "id", "zh-TW"]
#: Known problems of the translated prose that the language teams are fixing, per check: a test of a
#: listed language is expected to fail (strict xfail), so it turns red the day the fix lands and the
#: entry must be removed here. Remove a language from a list as soon as its fix is merged.
PROSE_FIXES_PENDING: dict[str, set[str]] = {
    # test_jupyterlab_labels.py: menu names still quoted in English (list: .venv/bin/python tools/i18n.py labels)
    "labels": set(),
    # test_rendering.py: zh-TW literal ** after full-width punctuation and line breaks inside sentences
    "rendering": set(),
}


def pending(check: str, lang: str):
    """pytest marks for a (check, language) whose fix is pending: a strict xfail, so a fix is noticed."""
    import pytest

    if lang in PROSE_FIXES_PENDING.get(check, set()):
        return [pytest.mark.xfail(strict=True, reason=f"{check}: fix pending for {lang} (i18n_support.PROSE_FIXES_PENDING)")]
    return []
