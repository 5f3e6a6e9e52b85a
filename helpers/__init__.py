"""Course helpers: background servers, a harness for student servers, localised messages.

Every server runs in a background thread on 127.0.0.1 and a port the system
chooses, so notebook cells can act as its clients without ever blocking.

Typical use::

    import socket
    import helpers

    helpers.setup(lang="en")              # first cell: language and socket timeout
    srv = helpers.echo_server()           # already listening
    with socket.create_connection(srv.address) as s:
        s.sendall(b"hello")
        print(s.recv(1024))               # b'hello'
    srv.stop()
"""

from .background import BackgroundServer, running_servers, stop_all
from .config import Settings, grading, setup
from .errors import (
    BytesRequiredError,
    HelpersError,
    NotLoopbackError,
    PortRangeError,
    ServerClosedEarlyError,
    ServerStoppedError,
    ServerThreadError,
    StudentCodeError,
    StudentTimeoutError,
    check_bytes,
    check_port,
)
from .failure_trace import show_exchange_on_failure
from .harness import ServerRun, run_server
from .hints import explain
from .messages import LANGUAGES, get_language, translate
from .servers import echo_server, greeting_server, http_server, udp_echo_server

__all__ = [
    "setup",
    "Settings",
    "grading",
    "LANGUAGES",
    "get_language",
    "translate",
    "greeting_server",
    "echo_server",
    "udp_echo_server",
    "http_server",
    "ws_echo_server",
    "ws_time_server",
    "ws_random_server",
    "utc_timestamp",
    "smtp_server",
    "ftp_server",
    "tls_echo_server",
    "https_server",
    "course_ca_file",
    "wire_tap",
    "client_context",
    "stop_all",
    "running_servers",
    "BackgroundServer",
    "run_server",
    "ServerRun",
    "show_exchange_on_failure",
    "explain",
    "check_bytes",
    "check_port",
    "HelpersError",
    "PortRangeError",
    "NotLoopbackError",
    "BytesRequiredError",
    "ServerStoppedError",
    "ServerThreadError",
    "StudentCodeError",
    "StudentTimeoutError",
    "ServerClosedEarlyError",
    "Quiz",
    "SocketStepper",
    "EchoWidget",
]

# Loaded on first use: the widgets import ipywidgets, which a grading kernel does not need, and the
# protocol and WebSocket servers import aiosmtpd, pyftpdlib, asyncio and websockets (about 1 s of a
# kernel's start on a busy machine), which most lessons and exercises never touch.
_LAZY = {
    "Quiz": "quiz", "SocketStepper": "stepper", "EchoWidget": "echo_widget",
    "ftp_server": "protocols", "smtp_server": "protocols",
    "utc_timestamp": "ws",
    "tls_echo_server": "tls", "https_server": "tls", "course_ca_file": "tls", "client_context": "tls",
    "wire_tap": "tap", "ws_echo_server": "ws", "ws_random_server": "ws", "ws_time_server": "ws",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
