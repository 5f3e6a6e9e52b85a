"""The wire tap: a relay that keeps what it passes on, tried on plain TCP and on TLS."""

from __future__ import annotations

import socket

import pytest

import helpers

TIMEOUT = 10


def test_tap_relays_both_ways_and_keeps_the_bytes():
    """Through the tap, the echo still answers, and the tap holds both directions' bytes."""
    with helpers.echo_server() as echo, helpers.wire_tap(echo.address) as tap:
        with socket.create_connection(tap.address, timeout=TIMEOUT) as conn:
            conn.sendall(b"secret")
            conn.shutdown(socket.SHUT_WR)
            got = b""
            while chunk := conn.recv(1024):
                got += chunk
        assert got == b"secret"
        assert tap.from_client == b"secret"
        assert tap.from_server == b"secret"
        tap.clear()
        assert tap.from_client == b"" and tap.from_server == b""


def test_tap_sees_no_plaintext_under_tls():
    """Under TLS the tap sees the host name (SNI) but not the data."""
    with helpers.tls_echo_server() as srv, helpers.wire_tap(srv.address) as tap:
        with socket.create_connection(tap.address, timeout=TIMEOUT) as raw:
            with helpers.client_context().wrap_socket(raw, server_hostname="localhost") as conn:
                conn.sendall(b"password=hunter2")
                assert conn.recv(1024) == b"password=hunter2"
        assert tap.from_client[:1] == b"\x16"  # a TLS handshake record
        assert b"hunter2" not in tap.from_client and b"hunter2" not in tap.from_server
        assert b"localhost" in tap.from_client


def test_tap_refuses_a_remote_target():
    """The tap only relays to loopback addresses."""
    with pytest.raises(helpers.NotLoopbackError):
        helpers.wire_tap(("192.0.2.1", 80))


def test_tap_logs_an_unreachable_target():
    """A target that refuses makes the tap close the client's connection and log why."""
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        closed_port = placeholder.getsockname()[1]
    with helpers.wire_tap(("127.0.0.1", closed_port)) as tap:
        with socket.create_connection(tap.address, timeout=TIMEOUT) as conn:
            assert conn.recv(1) == b""
        tap.stop()
        assert any("could not reach" in line for line in tap.log), list(tap.log)
