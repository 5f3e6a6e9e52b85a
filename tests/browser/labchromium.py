"""Debian's Chromium for Playwright: where it is and the flags it runs with (browser tests and hub tests).

Typical use::

    chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
"""

from __future__ import annotations

import shutil

import pytest

__all__ = ["CHROMIUM_ARGS", "chromium_path"]

#: Debian's flags for a quiet headless Chromium without network side-trips.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium, found on PATH (tools/course test installs it when missing)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("chromium is not installed: run tools/course test (it installs Debian's chromium)")
