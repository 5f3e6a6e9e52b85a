"""The harness that runs students' server functions."""

from __future__ import annotations

import socket
import threading
import time

import pytest

import helpers


def handle_echo(conn):
    total = 0
    while data := conn.recv(4096):
        conn.sendall(data)
        total += len(data)
    return total


def serve_greeting(listener, message, clients):
    addresses = []
    for _ in range(clients):
        conn, address = listener.accept()
        with conn:
            conn.sendall(message.encode())
        addresses.append(address)
    return addresses


def test_correct_connection_handler_passes():
    """A correct echo handler returns its byte count and the client gets every byte back."""
    payload = bytes(range(256)) * 20000
    with helpers.run_server(handle_echo, mode="connection", deadline=10) as run:
        assert run.request(payload) == payload
        assert run.result() == len(payload)


def test_correct_listener_handler_passes():
    """A listener function serving three clients returns their three addresses."""
    with helpers.run_server(serve_greeting, "héllo", 3, deadline=10) as run:
        replies = [run.request() for _ in range(3)]
        addresses = run.result()
    assert replies == ["héllo".encode()] * 3
    assert len(addresses) == 3 and all(a[0] == "127.0.0.1" for a in addresses)


def test_handler_that_raises_is_reported_with_its_cause():
    """A handler that raises produces StudentCodeError naming the function, caused by the original."""

    def broken(listener):
        conn, _ = listener.accept()
        conn.sendall("text")  # the classic str-instead-of-bytes mistake

    with helpers.run_server(broken) as run:
        run.connect().close()
        with pytest.raises(helpers.StudentCodeError, match=r"broken\(\) raised TypeError") as info:
            run.result()
    assert isinstance(info.value.__cause__, TypeError)
    assert "encode" in str(info.value)


def test_handler_that_never_returns_is_reported_at_the_deadline():
    """A handler looping on accept() forever produces StudentTimeoutError soon after the deadline."""

    def forever(listener):
        while True:
            try:  # the listener's own timeout equals the deadline: without this, which comes first is a race
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.close()

    start = time.monotonic()
    with helpers.run_server(forever, deadline=0.5) as run:
        with pytest.raises(helpers.StudentTimeoutError, match="did not finish within 0.5 s"):
            run.result()
    assert time.monotonic() - start < 3


def test_handler_waiting_for_a_client_that_never_comes_is_unblocked():
    """A handler blocked in accept() with nobody connecting is reported and its thread ends."""

    def waits(listener):
        listener.settimeout(None)  # the student removed the timeout
        listener.accept()

    run = helpers.run_server(waits, deadline=0.3)
    with pytest.raises(helpers.StudentTimeoutError):
        run.result()
    assert run.finished


def test_handler_that_closes_early_is_reported():
    """A handler that closes before reading everything makes request() raise ServerClosedEarlyError."""

    def hangs_up(conn):
        conn.recv(10)
        return 0

    with helpers.run_server(hangs_up, mode="connection", deadline=5) as run:
        with pytest.raises(helpers.ServerClosedEarlyError, match="before it had read all"):
            run.request(b"x" * (8 * 1024 * 1024))
        assert run.result() == 0


def test_request_refuses_str():
    """run.request() with a str raises BytesRequiredError before connecting."""
    with helpers.run_server(handle_echo, mode="connection", deadline=1) as run:
        with pytest.raises(helpers.BytesRequiredError):
            run.request("text")
        run.request(b"")


def test_reports_are_localised():
    """The harness's reports come in the language chosen with setup()."""
    previous = socket.getdefaulttimeout()
    try:
        helpers.setup(lang="es")

        def forever(listener):
            threading.Event().wait()  # never returns, without using the CPU

        with pytest.raises(helpers.StudentTimeoutError) as info:
            helpers.run_server(forever, deadline=0.2).result()
        assert "forever()" in str(info.value) and "did not finish" not in str(info.value)
    finally:
        socket.setdefaulttimeout(previous)


def test_wait_tells_a_running_function_from_one_that_ended():
    """run.wait() is False while the function waits for its client, True once the client has closed."""

    def echo_once(conn):
        return conn.recv(100)

    with helpers.run_server(echo_once, mode="connection", deadline=5) as run:
        with run.connect() as client:
            assert run.wait(0.2) is False
            client.sendall(b"done")
            assert run.wait(5) is True
        assert run.result() == b"done"
