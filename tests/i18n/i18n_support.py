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
#: once its translations have landed (see /work/briefs/i18n-milestone1.txt).
CODE_TEXT_LANGUAGES: list[str] = []
