"""Fixtures shared by the helpers tests."""

import pytest

from helpers.messages import set_language


@pytest.fixture(autouse=True)
def english():
    """Every helpers test starts, and leaves, with English messages."""
    set_language("en")
    yield
    set_language("en")
