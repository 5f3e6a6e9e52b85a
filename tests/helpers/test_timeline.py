"""The servers and the harness record each connection's events: kinds, order, sizes, summary."""

from __future__ import annotations

import random
import re
import socket
import struct
import threading

import pytest
from websockets.sync.client import connect as ws_connect

import helpers
from helpers.messages import set_language
from helpers.timeline import CLIENT, SERVER, Timeline

TIMEOUT = 5


def kinds(trace):
    """(kind, side, size) of every event of a trace, sizes only where there are some."""
    return [(e.kind, e.side, e.size) if e.size is not None else (e.kind, e.side) for e in trace.events]


def test_clean_echo_is_recorded_in_order():
    """An echo with a half-close records connect, data each way, the client's FIN and the server's close."""
    with helpers.echo_server() as srv:
        with socket.create_connection(srv.address, timeout=TIMEOUT) as conn:
            conn.sendall(b"hello")
            conn.shutdown(socket.SHUT_WR)
            assert conn.recv(1024) == b"hello"
            assert conn.recv(1024) == b""
    trace = srv.trace()  # stop() joined the handler: every event is in
    assert kinds(trace) == [
        ("connect", CLIENT), ("data", CLIENT, 5), ("data", SERVER, 5), ("fin", CLIENT), ("close", SERVER),
    ]
    assert trace.events[1].head == b"hello"
    assert trace.summary() == "The server received 5 bytes, sent 5 bytes back, then the client closed."


def test_missing_half_close_leaves_the_server_waiting():
    """A client that never half-closes times out waiting for EOF; the trace has no FIN and says so."""
    with helpers.echo_server() as srv:
        with socket.create_connection(srv.address, timeout=TIMEOUT) as conn:
            conn.sendall(b"hello")
            assert conn.recv(1024) == b"hello"
            conn.settimeout(0.2)
            with pytest.raises(TimeoutError):
                conn.recv(1024)  # the server waits for more: no EOF comes
            trace = srv.trace()
            srv.stop()  # with the client still connected
            stopped = srv.trace()
    assert kinds(trace) == [("connect", CLIENT), ("data", CLIENT, 5), ("data", SERVER, 5)]
    assert trace.summary() == "Your client sent 5 bytes and never half-closed; the server waited."
    assert kinds(stopped)[-1] == ("close", SERVER) and stopped.events[-1].detail == "stopped"  # stop() is no FIN
    assert stopped.summary() == trace.summary()


def test_partial_read_resets_the_connection():
    """A client that reads 4 of 10 echoed bytes and closes sends RST: the server records it after 10 bytes."""
    with helpers.echo_server() as srv:
        conn = socket.create_connection(srv.address, timeout=TIMEOUT)
        conn.sendall(b"0123456789")
        assert len(conn.recv(4)) <= 4
        conn.close()  # 6 unread bytes: the kernel sends RST, not FIN
    trace = srv.trace()
    assert kinds(trace)[:3] == [("connect", CLIENT), ("data", CLIENT, 10), ("data", SERVER, 10)]
    assert kinds(trace)[-1] == ("rst", CLIENT)
    assert trace.summary().startswith("The connection was reset (RST) by the client after the server had received 10 bytes.")
    assert "went away" in str(srv.log)  # the old log line is still there


def test_linger_zero_close_is_an_rst_not_a_fin():
    """SO_LINGER 0 turns close() into RST; the server records RST and no FIN or close of its own."""
    with helpers.echo_server() as srv:
        conn = socket.create_connection(srv.address, timeout=TIMEOUT)
        conn.sendall(b"abc")
        assert conn.recv(16) == b"abc"
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    assert kinds(srv.trace()) == [("connect", CLIENT), ("data", CLIENT, 3), ("data", SERVER, 3), ("rst", CLIENT)]


def test_greeting_server_sends_then_closes():
    """The greeting server records its one send and its close; the summary says the server closed."""
    with helpers.greeting_server("hi there") as srv:
        with socket.create_connection(srv.address, timeout=TIMEOUT) as conn:
            while conn.recv(1024):
                pass
    trace = srv.trace()
    assert kinds(trace) == [("connect", CLIENT), ("data", SERVER, 8), ("close", SERVER)]
    assert trace.summary() == "The server sent 8 bytes, then closed the connection."


def _expected_losses(seed, loss, count):
    rng = random.Random(seed)
    return [rng.random() < loss for _ in range(count)]


def _send_datagrams(srv, payloads, lost, resend=False):
    """Send each payload; read the echo of those that come back (so the server handled everything in order)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT)
        flags = iter(lost)
        for payload in payloads:
            while True:
                sock.sendto(payload, srv.address)
                if not next(flags):
                    assert sock.recvfrom(1024)[0] == payload
                    break
                if not resend:
                    break


def test_udp_seeded_loss_matches_the_seed():
    """The datagrams recorded as lost are exactly those the seed drops; the summary counts them, no retry."""
    payloads = [b"msg %d" % i for i in range(8)]
    lost = _expected_losses(7, 0.5, 40)
    assert any(lost[:8]) and not lost[7]  # seed 7 loses some, and its 8th datagram comes back (a clean end)
    with helpers.udp_echo_server(loss=0.5, seed=7) as srv:
        _send_datagrams(srv, payloads, lost)
    trace = srv.trace()
    received = [e for e in trace.events if e.side == CLIENT]
    assert [e.kind == "lost" for e in received] == lost[:8]
    assert [e.head for e in received] == payloads
    assert srv.dropped == sum(lost[:8])
    assert trace.summary() == f"{sum(lost[:8])} of 8 datagrams were lost; the client sent no retry."


def test_udp_retries_are_counted():
    """A client that sends a lost datagram again is credited with its retries."""
    lost = _expected_losses(7, 0.5, 40)
    with helpers.udp_echo_server(loss=0.5, seed=7) as srv:
        _send_datagrams(srv, [b"msg %d" % i for i in range(8)], lost, resend=True)
    trace = srv.trace()
    total = len([e for e in trace.events if e.side == CLIENT])
    dropped = srv.dropped
    assert total == 8 + dropped
    assert trace.summary() == f"{dropped} of {total} datagrams were lost; the client sent {dropped} of them again."


def test_websocket_handshake_echo_and_close():
    """A WebSocket echo records the handshake (path, 101), each message with its size and the close frames."""
    with helpers.ws_echo_server() as srv:
        with ws_connect(srv.url + "chat", open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
            ws.send("hello")
            assert ws.recv(timeout=TIMEOUT) == "hello"
            ws.send(b"\x00\x01")
            assert ws.recv(timeout=TIMEOUT) == b"\x00\x01"
    trace = srv.trace()
    assert kinds(trace) == [
        ("connect", CLIENT), ("handshake", CLIENT), ("handshake_ok", SERVER),
        ("message", CLIENT, 5), ("message", SERVER, 5), ("message", CLIENT, 2), ("message", SERVER, 2),
        ("close", CLIENT), ("close", SERVER),
    ]
    events = trace.events
    assert events[1].detail == "/chat" and events[2].detail == 101
    assert (events[3].detail, events[5].detail) == ("text", "binary")
    assert events[-1].detail == 1000
    assert trace.summary() == (
        "WebSocket handshake for /chat accepted (101); the client sent 2 messages, the server sent 2 messages. "
        "Then the client closed the connection (code 1000)."
    )


def test_websocket_pushed_messages():
    """A push server's messages are recorded as the server's, and the summary says they were pushed."""
    with helpers.ws_random_server(interval=0.02, seed=1) as srv:
        with ws_connect(srv.url, open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
            for _ in range(3):
                ws.recv(timeout=TIMEOUT)
    trace = srv.trace()
    pushed = [e for e in trace.events if e.kind == "message"]
    assert len(pushed) >= 3 and {e.side for e in pushed} == {SERVER}
    assert re.fullmatch(
        r"WebSocket handshake for / accepted \(101\); the server pushed \d+ messages without being asked\. "
        r"Then the client closed the connection \(code 1000\)\.",
        trace.summary(),
    )


def _echo_once(conn):
    data = b""
    while chunk := conn.recv(1024):
        data += chunk
    conn.sendall(data)
    return len(data)


def test_harness_records_a_correct_server_from_the_client_side():
    """run.trace() shows our client's connect, send, half-close, the reply, the server's FIN and the function's return."""
    with helpers.run_server(_echo_once, mode="connection", deadline=TIMEOUT) as run:
        assert run.request(b"hello") == b"hello"
        assert run.result() == 5
    trace = run.trace()
    ours = [k for k in kinds(trace) if k[0] != "returned"]
    assert ours == [
        ("connect", CLIENT), ("data", CLIENT, 5), ("fin", CLIENT), ("data", SERVER, 5), ("fin", SERVER), ("close", CLIENT),
    ]
    assert ("returned", SERVER) in kinds(trace)
    assert trace.summary() == "The client sent 5 bytes; your server sent 5 bytes back, then closed the connection."


def test_harness_records_a_server_that_reads_only_part():
    """A student's server that reads 4 of 10 bytes and closes resets our client: RST from the server."""
    def read_four(conn):
        return conn.recv(4)

    with helpers.run_server(read_four, mode="connection", deadline=TIMEOUT) as run:
        with run.connect() as client:
            client.sendall(b"0123456789")
            with pytest.raises(ConnectionResetError):
                while client.recv(1024):
                    pass
        run.result()
    trace = run.trace()
    assert ("rst", SERVER) in kinds(trace)
    assert kinds(trace)[:2] == [("connect", CLIENT), ("data", CLIENT, 10)]
    assert trace.summary() == (
        "Your server reset the connection (RST) after the client sent 10 bytes: did it close before reading them all?"
    )


def test_harness_records_a_server_that_never_answers():
    """A student's server that never answers makes our client time out; the trace says how long it waited."""
    release = threading.Event()

    def silent(conn):
        conn.recv(1024)
        release.wait(TIMEOUT)
        raise ValueError("too late")

    with helpers.run_server(silent, mode="connection", deadline=0.5) as run:
        with pytest.raises(TimeoutError):
            run.request(b"hello")
        release.set()
        with pytest.raises(helpers.StudentCodeError):
            run.result()
    trace = run.trace()
    assert [k for k in kinds(trace) if k[0] not in ("raised", "close")] == [
        ("connect", CLIENT), ("data", CLIENT, 5), ("fin", CLIENT), ("timeout", CLIENT),
    ]
    assert ("raised", SERVER) in kinds(trace)
    assert re.fullmatch(
        r"The client sent 5 bytes, then waited [\d.]+ s: your server sent nothing back\. Your function silent\(\) raised ValueError\.",
        trace.summary(),
    )


def test_labels_come_from_the_catalogs():
    """In French and in Traditional Chinese the text form and the summary come from the helpers catalogs."""
    with helpers.echo_server() as srv:
        with socket.create_connection(srv.address, timeout=TIMEOUT) as conn:
            conn.sendall(b"hello")
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(1024):
                pass
    english = srv.trace(times=False).text()
    set_language("fr")
    french = srv.trace(times=False).text()
    set_language("zh-TW")
    chinese = srv.trace(times=False).text()
    assert "FIN (no more data)" in english
    for text in (french, chinese):
        assert "FIN (no more data)" not in text and "The server received" not in text
    assert "serveur d'écho" in french and "octets" in french
    assert "伺服器" in chinese and "用戶端" in chinese and "位元組" in chinese


def test_timeline_memory_is_bounded():
    """100,000 small messages on one connection keep at most max_events events; totals stay right."""
    with helpers.echo_server() as srv:
        with socket.create_connection(srv.address, timeout=TIMEOUT) as conn:
            payload = b"ping" * 100_000
            sender = threading.Thread(target=lambda: (conn.sendall(payload), conn.shutdown(socket.SHUT_WR)))
            sender.start()
            received = 0
            while chunk := conn.recv(65536):
                received += len(chunk)
            sender.join(TIMEOUT)
    assert received == len(payload)
    record = srv.timeline.connections()[-1]
    assert len(record.events) <= srv.timeline.max_events
    assert record.bytes_sent(CLIENT) == record.bytes_sent(SERVER) == len(payload)
    timeline = Timeline(max_connections=5, max_events=50)
    for number in range(100_000):
        record = timeline.open(f"127.0.0.1:{number}") if number % 1000 == 0 else record
        record.add("data", CLIENT, 4, b"ping")
    assert len(timeline) == 5 and timeline.dropped_connections == 95
    assert all(len(r.events) == 50 and r.dropped_events == 950 for r in timeline.connections())
    assert srv.trace(last=None).events  # a stopped server's trace still works


def test_connections_are_bounded_and_selectable():
    """Beyond max_connections the oldest are dropped and counted; trace(connection=) and last= select."""
    with helpers.greeting_server("x") as srv:
        srv.timeline.max_connections = 4
        for _ in range(6):
            with socket.create_connection(srv.address, timeout=TIMEOUT) as conn:
                while conn.recv(16):
                    pass
    assert srv.timeline.dropped_connections == 2
    assert [v.number for v in srv.trace().connections] == [4, 5, 6]
    assert [v.number for v in srv.trace(last=None).connections] == [3, 4, 5, 6]
    assert srv.trace().not_shown == 3
    assert [v.number for v in srv.trace(connection=5).connections] == [5]
    peer = srv.timeline.connections()[-1].peer
    assert [v.peer for v in srv.trace(connection=peer).connections] == [peer]
