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
