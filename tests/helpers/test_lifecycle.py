"""Start, stop and misuse of servers: no leaks, clear errors."""

from __future__ import annotations

import gc
import os
import socket
import threading

import pytest

import helpers

FACTORIES = {
    "greeting": helpers.greeting_server,
    "echo": helpers.echo_server,
    "udp": helpers.udp_echo_server,
    "ws": helpers.ws_echo_server,
    "http": lambda: helpers.http_server("."),
    "smtp": helpers.smtp_server,
    "ftp": lambda: helpers.ftp_server("."),
}


def open_fds() -> int:
    return len(os.listdir(f"/proc/{os.getpid()}/fd"))


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_100_start_stop_cycles_leak_no_threads_or_fds(name):
    """100 start/stop cycles (with a client each time) leave thread count and open fds where they started."""
    factory = FACTORIES[name]
    factory().stop()  # first use imports and caches whatever the library needs
    gc.collect()
    threads_before, fds_before = threading.active_count(), open_fds()
    for _ in range(100):
        srv = factory()
        if name != "udp":
            socket.create_connection(srv.address, timeout=5).close()
        srv.stop()
    gc.collect()
    assert threading.active_count() <= threads_before
    assert open_fds() <= fds_before  # an unrelated old socket may be collected meanwhile


def test_stop_is_idempotent_and_releases_the_port():
    """Stopping twice is harmless, and the port is free again afterwards."""
    srv = helpers.echo_server()
    port = srv.port
    srv.stop()
    srv.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_using_a_stopped_server_says_so():
    """Asking a stopped server for its address raises ServerStoppedError with a clear message."""
    srv = helpers.echo_server()
    srv.stop()
    with pytest.raises(helpers.ServerStoppedError, match="has been stopped"):
        srv.address
    assert "stopped" in repr(srv)


def test_stop_all_stops_every_server():
    """stop_all() stops every running server and reports how many."""
    servers = [helpers.echo_server(), helpers.udp_echo_server(), helpers.ws_echo_server()]
    assert helpers.stop_all() >= 3
    assert not any(s.running for s in servers)
    assert helpers.running_servers() == []


@pytest.mark.parametrize("port", [-1, 65536, 10**6, "80", 8.0, True])
def test_bad_port_is_rejected_clearly(port):
    """A port outside 0-65535, or not an int, raises PortRangeError (a ValueError)."""
    with pytest.raises(helpers.PortRangeError) as info:
        helpers.echo_server(port=port)
    assert isinstance(info.value, ValueError)
    assert "65535" in str(info.value)


@pytest.mark.parametrize("host", ["0.0.0.0", "", "192.168.1.10", "example.org"])
def test_non_loopback_host_needs_opt_in(host):
    """Listening beyond loopback raises NotLoopbackError unless allow_remote=True."""
    with pytest.raises(helpers.NotLoopbackError, match="allow_remote=True"):
        helpers.echo_server(host=host)


def test_allow_remote_opt_in_is_honoured():
    """allow_remote=True lets a server bind the wildcard address."""
    with helpers.echo_server(host="0.0.0.0", allow_remote=True) as srv:
        assert srv.host == "0.0.0.0"


def test_str_where_bytes_are_needed_gets_a_hint():
    """A str passed where bytes are needed raises BytesRequiredError suggesting .encode()."""
    with pytest.raises(helpers.BytesRequiredError, match=r"encode\(\)") as info:
        helpers.check_bytes("hello")
    assert isinstance(info.value, TypeError)


def test_bad_loss_and_interval_are_rejected():
    """A loss outside [0, 1] or a non-positive push interval raises ValueError."""
    with pytest.raises(ValueError):
        helpers.udp_echo_server(loss=1.5)
    with pytest.raises(ValueError):
        helpers.ws_time_server(interval=0)


def test_setup_sets_the_default_timeout_and_language(monkeypatch):
    """setup() sets socket.setdefaulttimeout and the message language, and caps it under nbgrader."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    previous = socket.getdefaulttimeout()
    try:
        settings = helpers.setup(lang="es", timeout=7)
        assert socket.getdefaulttimeout() == 7 and settings.lang == "es"
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
        assert helpers.setup(lang="en", timeout=60).timeout == 3.0
        assert socket.getdefaulttimeout() == 3.0
    finally:
        socket.setdefaulttimeout(previous)


def test_setup_detects_language_from_folder(monkeypatch, tmp_path):
    """setup() without lang takes the language from the nearest folder named after one (notebooks/zh-TW)."""
    folder = tmp_path / "notebooks" / "zh-TW"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    monkeypatch.delenv("COURSE_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    previous = socket.getdefaulttimeout()
    try:
        assert helpers.setup().lang == "zh-TW"
        monkeypatch.setenv("COURSE_LANG", "fr")
        assert helpers.setup().lang == "fr"
    finally:
        socket.setdefaulttimeout(previous)


def test_forgotten_accept_times_out_instead_of_hanging():
    """After setup(timeout=...), an accept() nobody answers raises TimeoutError."""
    previous = socket.getdefaulttimeout()
    try:
        helpers.setup(timeout=0.2)
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            with pytest.raises(TimeoutError):
                listener.accept()
    finally:
        socket.setdefaulttimeout(previous)


def test_idle_client_is_not_cut_off_by_the_students_default_timeout():
    """An echo client idle longer than the default socket timeout is still served."""
    previous = socket.getdefaulttimeout()
    try:
        socket.setdefaulttimeout(0.1)
        with helpers.echo_server() as srv:
            with socket.create_connection(srv.address, timeout=5) as conn:
                threading.Event().wait(0.3)  # idle longer than the default timeout (no readiness wait)
                conn.sendall(b"late")
                assert conn.recv(10) == b"late"
    finally:
        socket.setdefaulttimeout(previous)


def test_every_public_name_documents_a_typical_use():
    """Every public function and class of helpers has a docstring with a "Typical use" example."""
    import inspect

    missing = [
        name
        for name in helpers.__all__
        if (inspect.isclass(getattr(helpers, name)) or callable(getattr(helpers, name)))
        and "Typical use" not in (inspect.getdoc(getattr(helpers, name)) or "")
    ]
    assert not missing, missing
