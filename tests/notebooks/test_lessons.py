"""Checks on the English lessons beyond nbval's output comparison."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "notebooks" / "en"

# Every lesson and the terms it must keep mentioning (case-insensitive), so an
# edit cannot silently drop a topic the course promises.
REQUIRED_TERMS = {
    "00-start-here": ["helpers.setup", "background", "thread", "Shift+Enter", "01-vocabulary"],
    "01-vocabulary": [
        "AF_INET", "AF_INET6", "AF_UNIX", "PF_INET", "PF_X25", "SOCK_STREAM", "SOCK_DGRAM",
        "IPPROTO_TCP", "IPPROTO_UDP", "<broadcast>", "INADDR_ANY", "getservbyname", "Fixnum",
        "socketpair", "ARPANET", "1971", "BSD", "1983", "endpoint",
    ],
    "02-socket-methods": [
        "socket.socket", "bind", "listen", "accept", "connect", "recv", "send", "recvfrom",
        "sendto", "close", "gethostname", "getsockname", "getpeername", "with",
    ],
    "03-simple-server-client": ["Got connection from", "Thank you for connecting", "subprocess", "encode", "close()"],
    "04-tcp": [
        "SOCK_STREAM", "b''", "sendall", "somaxconn", "backlog", "accept", "AF_INET6",
        "127.0.0.1", "1024", "65535", "handshake", "SYN", "FIN",
    ],
    "05-udp": ["SOCK_DGRAM", "sendto", "recvfrom", "udp_echo_server", "loss", "timeout", "retry",
               "broadcast", "SO_BROADCAST", "127.255.255.255", "multicast", "IP_ADD_MEMBERSHIP",
               "perf_counter", "round-trip time", "statistics.mean", "jitter"],
    "06-names-addresses": [
        "gethostname", "getfqdn", "gethostbyname", "getaddrinfo", "IPPROTO_TCP", "::1",
        "inet_pton", "ipaddress", "/etc/services", "getservbyname", "gaierror", "AI_PASSIVE", "dual-stack",
        "IPV6_V6ONLY", "dualstack_ipv6",
    ],
    "07-websockets": [
        "WebSocket", "Upgrade", "full duplex", "await", "request.path", "ws_time_server",
        "ws_random_server", "http_server", "timezone", "101", "get_event_loop", "utcnow", "NameError",
        "async def", "create_task", "gather", "event loop", "asyncio.timeout",
    ],
    "08-protocol-modules": [
        "http.client", "urllib.request", "xmlrpc.client", "ftplib", "smtplib", "poplib",
        "imaplib", "nntplib", "telnetlib", "3.13", "Gopher", "aiosmtpd", "pyftpdlib", "httplib",
        "xmlrpclib", "gopherlib", "port 21",
    ],
    "09-many-clients": ["thread", "selectors", "asyncio", "matplotlib", "latency", "throughput"],
    "10-troubleshooting": [
        "ConnectionRefusedError", "TimeoutError", "Address already in use", "SO_REUSEADDR",
        "BrokenPipeError", "ConnectionResetError", "bytes", "framing", "ss -", "lsof",
        "!BBHI", "network byte order", "big-endian", "little-endian", "calcsize", "struct.error",
    ],
    "11-tls": [
        "ssl", "create_default_context", "wrap_socket", "server_hostname", "certificate", "authority",
        "SSLCertVerificationError", "verify_code", "CERT_NONE", "SNI", "STARTTLS", "wss://", "https_server",
        "trustme", "Windows", "macOS",
    ],
    "12-http-by-hand": [
        "request line", "status line", "Content-Length", "\\r\\n\\r\\n", "Host", "404", "405", "400",
        "path traversal", "is_relative_to", "proxy", "cache", "Cache-Control", "no-store", "If-Modified-Since", "304",
    ],
    "13-chat": [
        "selectors", "sendall", "to all clients", "inbox", "outbox", "EVENT_WRITE", "send()", "b''",
        "OUTBOX_LIMIT", "dropped", "Linux, macOS and Windows",
    ],
    "14-smtp-by-hand": [
        "SMTP", "220", "EHLO", "250-", "MAIL FROM", "RCPT TO", "DATA", "354", "dot-stuffing", "QUIT", "221",
        "makefile", "envelope", "smtplib", "5xx",
    ],
}


def lesson_text(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in notebook.cells)


def test_every_lesson_exists():
    """All fifteen lessons exist in notebooks/en with the expected names."""
    present = {path.stem for path in LESSONS.glob("*.ipynb")}
    assert set(REQUIRED_TERMS) <= present, sorted(set(REQUIRED_TERMS) - present)


@pytest.mark.parametrize("stem", sorted(REQUIRED_TERMS))
def test_lesson_mentions_its_topics(stem):
    """Each lesson still mentions every term of its topic list."""
    path = LESSONS / f"{stem}.ipynb"
    if not path.exists():
        pytest.fail(f"missing lesson {path.name}")
    text = lesson_text(path).lower()
    missing = [term for term in REQUIRED_TERMS[stem] if term.lower() not in text]
    assert not missing, f"{path.name} no longer mentions: {missing}"


@pytest.mark.parametrize("path", sorted(LESSONS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_lesson_is_stored_executed(path):
    """Every code cell of a lesson is stored with the execution count of a clean run (1, 2, 3 ...)."""
    notebook = nbformat.read(path, as_version=4)
    counts = [cell.execution_count for cell in notebook.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), counts


@pytest.mark.parametrize("path", sorted(LESSONS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_lesson_has_no_fixed_port_or_sleep(path):
    """No lesson binds a fixed port or waits with time.sleep."""
    notebook = nbformat.read(path, as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert not re.search(r"\b(bind|connect|create_connection)\(\s*\(\s*['\"][^'\"]*['\"]\s*,\s*[1-9]\d*\s*\)", code)
    assert "time.sleep" not in code and "sleep(" not in code.replace("asyncio.sleep", "")


@pytest.mark.parametrize("path", sorted(LESSONS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_lesson_runs_twice_in_one_kernel(path):
    """Running every cell a second time in the same kernel raises no error (servers are replaced, not leaked)."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        for _round in range(2):
            for index, cell in enumerate(notebook.cells):
                client.execute_cell(cell, index)
