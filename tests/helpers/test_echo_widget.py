"""The echo widget of lesson 04, exercised against real servers on loopback."""

from __future__ import annotations

import socket

import pytest

import helpers
from helpers.echo_widget import MAX_MESSAGE_BYTES, EchoWidget


@pytest.fixture
def echo():
    with helpers.echo_server() as srv:
        yield srv
    srv.check()


@pytest.fixture
def silent_listener():
    """A listening socket that never accepts, so a client's recv() waits until its timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        yield listener


def test_send_returns_what_the_echo_server_sent_back(echo):
    """send() returns exactly the text the echo server echoed."""
    assert EchoWidget(echo.address).send("hello, TCP") == "hello, TCP"


def test_send_round_trips_non_ascii_text_as_utf8(echo):
    """Accented letters, CJK and emoji survive the UTF-8 round trip."""
    text = "héllo 你好 ✓ 🚀"
    assert EchoWidget(echo.address).send(text) == text
    assert f"echoed {len(text.encode('utf-8'))} bytes" in echo.log


def test_send_handles_the_empty_message(echo):
    """An empty message gives an empty reply rather than hanging."""
    assert EchoWidget(echo.address).send("") == ""


def test_send_handles_the_largest_allowed_message(echo):
    """A message of exactly the size limit comes back whole, in however many pieces."""
    text = "x" * MAX_MESSAGE_BYTES
    assert EchoWidget(echo.address).send(text) == text


def test_send_rejects_a_message_over_the_limit(echo):
    """A message above the size limit raises ValueError before connecting."""
    with pytest.raises(ValueError, match="limit"):
        EchoWidget(echo.address).send("x" * (MAX_MESSAGE_BYTES + 1))
    assert "connection from" not in echo.log


def test_send_rejects_bytes(echo):
    """send() takes text; bytes raise a TypeError naming the type."""
    with pytest.raises(TypeError, match="bytes"):
        EchoWidget(echo.address).send(b"hello")


def test_clicking_send_shows_the_reply_in_the_output_area(echo):
    """A click sends the text box's value and shows the reply with byte counts."""
    widget = EchoWidget(echo.address)
    widget.text.value = "ping"
    widget.button.click()
    assert widget.history == ["Sent 4 bytes, received 4 bytes: 'ping'"]
    assert widget.output.outputs[-1]["text"] == "Sent 4 bytes, received 4 bytes: 'ping'\n"


def test_clicking_send_twice_keeps_both_replies(echo):
    """Each click adds one line to the history, oldest first."""
    widget = EchoWidget(echo.address)
    for word in ("one", "two"):
        widget.text.value = word
        widget.button.click()
    assert [line.split(": ")[-1] for line in widget.history] == ["'one'", "'two'"]


def test_clicking_send_to_a_stopped_server_shows_a_hint_instead_of_raising():
    """A refused connection is shown with helpers.explain's hint; the click does not raise."""
    srv = helpers.echo_server()
    address = srv.address
    srv.stop()
    widget = EchoWidget(address)
    widget.text.value = "anyone there?"
    widget.button.click()
    assert widget.history[-1].startswith("Error: ConnectionRefusedError")
    assert helpers.explain(ConnectionRefusedError()) in widget.history[-1]


def test_clicking_send_to_a_server_that_never_replies_shows_a_timeout(silent_listener):
    """A server that never answers gives a TimeoutError line after the widget's timeout."""
    widget = EchoWidget(silent_listener.getsockname(), timeout=0.3)
    widget.text.value = "hello?"
    widget.button.click()
    assert widget.history[-1].startswith("Error: TimeoutError")
    assert helpers.explain(TimeoutError()) in widget.history[-1]


def test_send_raises_the_timeout_for_code_to_handle(silent_listener):
    """The non-widget send() raises TimeoutError so code can catch it."""
    with pytest.raises(TimeoutError):
        EchoWidget(silent_listener.getsockname(), timeout=0.3).send("hello?")


def test_repr_is_stable_and_names_the_address(echo):
    """The text/plain form names the address and does not change after a click."""
    widget = EchoWidget(echo.address)
    before = widget._repr_mimebundle_()
    widget.text.value = "changes the widget state"
    widget.button.click()
    after = widget._repr_mimebundle_()
    expected = f"<EchoWidget for 127.0.0.1:{echo.port}: type a message and press Send, or call .send('text')>"
    assert before["text/plain"] == after["text/plain"] == repr(widget) == expected
    assert "application/vnd.jupyter.widget-view+json" in after


def test_ui_labels_follow_the_course_language(echo):
    """Labels go through the message catalog: English text in English."""
    widget = EchoWidget(echo.address)
    assert (widget.button.description, widget.text.description) == ("Send", "Message:")


@pytest.mark.parametrize("address", ["127.0.0.1:80", ("127.0.0.1",), (80, "127.0.0.1"), ("127.0.0.1", 70000)])
def test_a_malformed_address_is_rejected(address):
    """Anything but a (host, port) tuple with a valid port raises at construction."""
    with pytest.raises((TypeError, ValueError)):
        EchoWidget(address)


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6 on this machine")
def test_send_works_over_ipv6_loopback():
    """The widget talks to a server on ::1 with a 4-tuple address as well."""
    try:
        srv = helpers.echo_server(host="::1")
    except OSError as exc:
        pytest.skip(f"cannot bind ::1: {exc}")
    with srv:
        assert EchoWidget(srv.address).send("six") == "six"
