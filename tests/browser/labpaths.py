"""Where the browser tests find the course and keep their artifacts (shared by fixtures and tests).

Typical use::

    from labpaths import ROOT, VIEWS
"""

from __future__ import annotations

from pathlib import Path

#: The repository root (the course the tests copy).
ROOT = Path(__file__).resolve().parents[2]
#: Everything the browser tests leave behind for people (gitignored).
ARTIFACTS = ROOT / "test-artifacts" / "browser"
#: Screenshots, console and server log of failed tests.
FAILURES = ARTIFACTS / "failures"
#: What a student sees after each lesson ran (kept for review, also when tests pass).
VIEWS = ARTIFACTS / "views"
#: The assignment the test exchange offers in nbgrader's assignment list.
RELEASED_ASSIGNMENT = "a1-sockets"
