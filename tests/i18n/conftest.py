"""Fixtures for the translation checks."""

from __future__ import annotations

import pytest
from i18n_support import LANGUAGES

from course_i18n import language_check


@pytest.fixture(scope="session")
def detector():
    """One lingua detector for English plus every course language (built once per run)."""
    return language_check.Detector(LANGUAGES)
