"""Lesson 07's web page in Chromium: pushed WebSocket messages, directly and through the Jupyter proxy.

The page is served by ``helpers.http_server`` and fed by
``helpers.ws_time_server``, both running in this test process. Through
jupyter-server-proxy the page and its WebSocket share JupyterLab's host and
login, as on JupyterHub or Binder: ``/proxy/<port>/``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

import helpers
from labpaths import ROOT

PAGE_DIR = ROOT / "notebooks" / "en" / "web"
PAGE = "ws-page.html"
#: An ISO-8601 timestamp at UTC, as helpers.ws_time_server pushes it.
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")

pytestmark = pytest.mark.skipif(not (PAGE_DIR / PAGE).exists(), reason="lesson 07's page is not written yet")


@pytest.fixture
def servers():
    """The page's web server and a time server pushing five times a second."""
    with helpers.http_server(PAGE_DIR) as web, helpers.ws_time_server(interval=0.2) as clock:
        yield web, clock
    web.check()
    clock.check()


def expect_pushed_messages(page, count: int = 3) -> None:
    """The page says "connected" and lists at least ``count`` timestamps."""
    expect(page.locator("#status")).to_have_text("connected")
    items = page.locator("#messages li")
    expect(items.nth(count - 1)).to_have_text(ISO_UTC, timeout=15_000)
    for text in items.all_text_contents()[:count]:
        assert ISO_UTC.match(text), text


def test_page_shows_pushed_messages_at_its_direct_url(page, servers):
    """Opened at http://127.0.0.1:PORT/, the page lists at least three pushed timestamps."""
    web, clock = servers
    page.goto(f"{web.url}{PAGE}?ws={clock.url}")
    expect_pushed_messages(page)
    assert "connection from" in clock.log


def test_page_shows_pushed_messages_through_the_jupyter_proxy(page, lab, servers):
    """Through /proxy/<port>/ of JupyterLab, page and WebSocket both pass the proxy and messages arrive."""
    web, clock = servers
    page.goto(f"{lab.base}proxy/{web.port}/{PAGE}?ws=/proxy/{clock.port}/")
    expect_pushed_messages(page)
    assert any(f'"GET /{PAGE}' in line for line in web.log), "the page should have come through the proxy"


def test_proxy_refuses_a_browser_without_the_jupyter_login(new_context, lab, servers):
    """Without JupyterLab's token or login cookie the proxy serves neither the page nor its data."""
    web, _clock = servers
    stranger = new_context().new_page()
    response = stranger.goto(f"{lab.base}proxy/{web.port}/{PAGE}")
    assert response is not None
    assert response.status in (302, 403) or "/login" in stranger.url, (response.status, stranger.url)
    assert not any(f'"GET /{PAGE}' in line for line in web.log)
