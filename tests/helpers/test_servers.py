"""The background servers, exercised with real sockets on loopback."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import struct
import threading
import urllib.request

import pytest
from websockets.asyncio.client import connect as async_connect
from websockets.sync.client import connect as sync_connect

import helpers

TIMEOUT = 10


def echo_roundtrip(address, payload: bytes) -> bytes:
    """Send payload from a thread (no buffer deadlock), half-close, read to EOF."""
    with socket.create_connection(address, timeout=TIMEOUT) as conn:
        sender = threading.Thread(target=lambda: (conn.sendall(payload), conn.shutdown(socket.SHUT_WR)))
        sender.start()
        chunks = []
        while chunk := conn.recv(1 << 20):
            chunks.append(chunk)
        sender.join(TIMEOUT)
    return b"".join(chunks)


@pytest.fixture
def echo():
    with helpers.echo_server() as srv:
        yield srv
    srv.check()


@pytest.mark.parametrize(
    "factory",
    [
        helpers.greeting_server,
        helpers.echo_server,
        helpers.ws_echo_server,
        helpers.ws_time_server,
        helpers.ws_random_server,
        lambda: helpers.http_server("."),
        helpers.smtp_server,
        lambda: helpers.ftp_server("."),
    ],
    ids=["greeting", "echo", "ws_echo", "ws_time", "ws_random", "http", "smtp", "ftp"],
)
def test_tcp_server_accepts_the_instant_its_factory_returns(factory):
    """A TCP connection succeeds right after the factory returns, with no wait of any kind."""
    with factory() as srv:
        assert srv.host == "127.0.0.1" and 0 < srv.port < 65536
        with socket.create_connection(srv.address, timeout=TIMEOUT):
            pass


def test_udp_server_answers_the_instant_its_factory_returns():
    """A datagram sent right after udp_echo_server() returns is echoed."""
    with helpers.udp_echo_server() as srv, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(TIMEOUT)
        client.sendto(b"ping", srv.address)
        assert client.recvfrom(100) == (b"ping", srv.address)


@pytest.mark.parametrize("size", [0, 1, 1000, 65536, 1_000_003, 16 * 1024 * 1024])
def test_echo_is_byte_exact_for_sizes_up_to_16_mb(echo, size):
    """The echo server returns exactly the bytes it was sent, from 0 B to 16 MB."""
    payload = random.Random(size).randbytes(size)
    assert echo_roundtrip(echo.address, payload) == payload


def test_echo_is_byte_exact_for_1000_random_payloads(echo):
    """1,000 random payloads over one connection each come back unchanged and in order."""
    rng = random.Random(1000)
    with socket.create_connection(echo.address, timeout=TIMEOUT) as conn:
        for _ in range(1000):
            payload = rng.randbytes(rng.randint(1, 4096))
            conn.sendall(payload)
            received = b""
            while len(received) < len(payload):
                received += conn.recv(len(payload) - len(received))
            assert received == payload


def test_echo_serves_200_concurrent_clients(echo):
    """200 clients connected at the same time are all served correctly."""
    count = 200
    barrier = threading.Barrier(count, timeout=TIMEOUT)
    results: dict[int, bytes] = {}
    errors: list[BaseException] = []

    def client(index: int):
        try:
            with socket.create_connection(echo.address, timeout=TIMEOUT) as conn:
                barrier.wait()
                message = f"client {index}".encode()
                conn.sendall(message)
                conn.shutdown(socket.SHUT_WR)
                data = b""
                while chunk := conn.recv(100):
                    data += chunk
                results[index] = data
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not errors, errors[:3]
    assert results == {i: f"client {i}".encode() for i in range(count)}


def test_client_reset_mid_stream_does_not_kill_the_echo_server(echo):
    """A client that resets (RST) mid-stream leaves the server serving others, with no error recorded."""
    for _ in range(5):
        conn = socket.create_connection(echo.address, timeout=TIMEOUT)
        conn.sendall(os.urandom(1 << 20))
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # SO_LINGER 0 turns close() into a reset
    assert echo_roundtrip(echo.address, b"still alive") == b"still alive"
    assert echo.errors == []


def test_greeting_arrives_whole_and_utf8():
    """A long non-ASCII greeting arrives complete, then the server closes."""
    message = "¡Hola! 你好，歡迎 " * 5000
    with helpers.greeting_server(message) as srv:
        with socket.create_connection(srv.address, timeout=TIMEOUT) as conn:
            data = b""
            while chunk := conn.recv(4096):
                data += chunk
    assert data.decode("utf-8") == message


def test_default_greeting_is_the_tutorials():
    """The default greeting is the source tutorial's text."""
    with helpers.greeting_server() as srv:
        with socket.create_connection(srv.address, timeout=TIMEOUT) as conn:
            assert conn.recv(1024) == b"Thank you for connecting"


def echoed_ids(srv, sends: int) -> set[int]:
    """Send datagrams 0..sends-1 one at a time and return the ids that came back."""
    received: set[int] = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        for index in range(sends):
            client.sendto(str(index).encode(), srv.address)
            client.settimeout(0.02)  # a dropped datagram costs this much; late replies are still counted
            try:
                received.add(int(client.recvfrom(100)[0]))
            except TimeoutError:
                pass
        client.settimeout(0.5)
        try:
            while True:  # stragglers
                received.add(int(client.recvfrom(100)[0]))
        except TimeoutError:
            pass
    return received


def test_udp_loss_rate_matches_loss_and_is_reproducible():
    """With loss=0.3 about 30% of 500 datagrams are dropped, and the same seed drops the same ones."""
    runs = []
    for _ in range(2):
        with helpers.udp_echo_server(loss=0.3, seed=42) as srv:
            ids = echoed_ids(srv, 500)
            assert len(ids) == 500 - srv.dropped
            runs.append(ids)
    assert 0.22 < 1 - len(runs[0]) / 500 < 0.38
    assert runs[0] == runs[1]


def test_udp_without_loss_echoes_everything():
    """loss=0 echoes every datagram."""
    with helpers.udp_echo_server() as srv:
        assert echoed_ids(srv, 200) == set(range(200))
        assert srv.dropped == 0


def test_udp_delay_holds_each_echo_back():
    """delay=(0.02, 0.03) makes every round trip last at least 20 ms, and the echo still arrives."""
    import time
    with helpers.udp_echo_server(delay=(0.02, 0.03), seed=5) as srv, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(TIMEOUT)
        for number in range(3):
            started = time.perf_counter()
            client.sendto(b"%d" % number, srv.address)
            assert client.recvfrom(100)[0] == b"%d" % number
            assert time.perf_counter() - started >= 0.02


@pytest.mark.parametrize("delay", [-0.1, (0.03, 0.01), (0.0, 5.0), "fast", (0.1,), True])
def test_udp_bad_delay_is_refused(delay):
    """A delay that is not 0 to 1 s, or a (shortest, longest) pair in that order, raises ValueError."""
    with pytest.raises(ValueError, match="delay"):
        helpers.udp_echo_server(delay=delay)


def test_ws_echo_with_sync_client():
    """The WebSocket echo server answers a synchronous client."""
    with helpers.ws_echo_server() as srv, sync_connect(srv.url, open_timeout=TIMEOUT) as ws:
        ws.send("héllo")
        assert ws.recv(timeout=TIMEOUT) == "héllo"
        ws.send(b"\x00\x01")
        assert ws.recv(timeout=TIMEOUT) == b"\x00\x01"


def test_ws_servers_with_asyncio_client():
    """Time and random servers push well-formed messages to an asyncio client."""
    import datetime

    async def first(url, count):
        async with async_connect(url, open_timeout=TIMEOUT) as ws:
            return [await asyncio.wait_for(ws.recv(), TIMEOUT) for _ in range(count)]

    with helpers.ws_time_server(interval=0.02) as clock, helpers.ws_random_server(interval=0.02, seed=3) as dice:
        stamps = asyncio.run(first(clock.url, 3))
        digits = asyncio.run(first(dice.url, 20))
    for stamp in stamps:
        assert datetime.datetime.fromisoformat(stamp).utcoffset() == datetime.timedelta(0)
    assert all(d in "0123456789" and len(d) == 1 for d in digits)


def test_ws_echo_with_asyncio_client():
    """The WebSocket echo server answers an asyncio client."""

    async def roundtrip(url):
        async with async_connect(url, open_timeout=TIMEOUT) as ws:
            await ws.send("ping")
            return await asyncio.wait_for(ws.recv(), TIMEOUT)

    with helpers.ws_echo_server() as srv:
        assert asyncio.run(roundtrip(srv.url)) == "ping"


def test_ws_server_stop_closes_open_clients():
    """Stopping a WebSocket server closes its clients' connections instead of leaving them hanging."""
    from websockets.exceptions import ConnectionClosed

    srv = helpers.ws_time_server(interval=0.05)
    with sync_connect(srv.url, open_timeout=TIMEOUT) as ws:
        ws.recv(timeout=TIMEOUT)
        srv.stop()
        with pytest.raises(ConnectionClosed):
            for _ in range(100):
                ws.recv(timeout=TIMEOUT)


def test_http_server_serves_files(tmp_path):
    """http_server serves the files of its folder and logs requests instead of printing them."""
    (tmp_path / "page.html").write_text("<p>hi</p>", encoding="utf-8")
    with helpers.http_server(tmp_path) as srv:
        assert srv.url == f"http://127.0.0.1:{srv.port}/"
        body = urllib.request.urlopen(srv.url + "page.html", timeout=TIMEOUT).read()
    assert body == b"<p>hi</p>"
    assert "GET /page.html" in srv.log


def test_smtp_server_keeps_messages():
    """smtp_server receives a real smtplib message and keeps it, with its envelope."""
    import smtplib
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "b@example.org", "Grüße"
    msg.set_content("Hello")
    with helpers.smtp_server() as srv, smtplib.SMTP(*srv.address, timeout=TIMEOUT) as client:
        client.send_message(msg)
    assert srv.messages[0]["Subject"] == "Grüße"
    assert srv.envelopes == [("a@example.org", ["b@example.org"])]


def test_ftp_server_lists_downloads_and_uploads(tmp_path):
    """ftp_server lets ftplib list, download and upload files in its root."""
    import ftplib
    import io

    (tmp_path / "notes.txt").write_bytes(b"socket notes")
    with helpers.ftp_server(tmp_path) as srv:
        ftp = ftplib.FTP()
        ftp.connect(*srv.address, timeout=TIMEOUT)
        ftp.login(srv.user, srv.password)
        assert ftp.nlst() == ["notes.txt"]
        got = io.BytesIO()
        ftp.retrbinary("RETR notes.txt", got.write)
        ftp.storbinary("STOR up.bin", io.BytesIO(b"\x00" * 1000))
        ftp.quit()
    assert got.getvalue() == b"socket notes"
    assert (tmp_path / "up.bin").read_bytes() == b"\x00" * 1000


def test_server_thread_error_is_recorded_and_reraised_by_check():
    """An exception inside a handler is recorded on the server (not printed) and check() re-raises it."""
    from helpers.ws import WebSocketServer

    def broken(websocket):
        raise ZeroDivisionError("boom")

    with WebSocketServer(broken) as srv:
        with sync_connect(srv.url, open_timeout=TIMEOUT) as ws:
            with pytest.raises(Exception):
                ws.recv(timeout=TIMEOUT)
        with pytest.raises(helpers.ServerThreadError, match="boom") as info:
            srv.check()
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_ipv6_loopback_is_allowed():
    """An echo server can listen on ::1 when the machine has IPv6 loopback."""
    try:
        probe = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    with helpers.echo_server(host="::1") as srv:
        assert srv.url is None and srv.host == "::1"
        assert echo_roundtrip(srv.address, b"six") == b"six"


def test_servers_start_and_stop_inside_a_running_event_loop():
    """Every factory works while the calling thread runs an asyncio loop, as a notebook kernel does."""
    import smtplib

    async def inside_loop():
        for factory in (helpers.smtp_server, helpers.echo_server, helpers.ws_echo_server, lambda: helpers.ftp_server(".")):
            srv = factory()
            await asyncio.to_thread(lambda: socket.create_connection(srv.address, timeout=TIMEOUT).close())
            srv.stop()
        with helpers.smtp_server() as mail:
            def send():
                with smtplib.SMTP(*mail.address, timeout=TIMEOUT) as client:
                    client.sendmail("a@example.org", ["b@example.org"], "Subject: loop\r\n\r\nhi")
            await asyncio.to_thread(send)
        return mail.messages[0]["Subject"]

    assert asyncio.run(inside_loop()) == "loop"


def test_importing_helpers_shows_no_warnings():
    """import helpers in a fresh interpreter with every warning enabled prints nothing."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import helpers"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
