"""TCP, UDP and HTTP servers that lessons talk to, built on ``socketserver``.

Typical use::

    import socket, helpers
    with helpers.echo_server() as srv:
        with socket.create_connection(srv.address) as conn:
            conn.sendall(b"hello")
            conn.recv(1024)          # -> b'hello'
"""

from __future__ import annotations

import functools
import http.server
import os
import random
import socket
import socketserver
import threading
import time

from .background import BackgroundServer, Waker, format_address, serve_until_woken
from .messages import N_, _
from .timeline import CLIENT, CONNECT, DATA, LOST, SERVER
from .traced_socket import TracedConnection

__all__ = [
    "SocketServerBase",
    "GreetingServer",
    "EchoServer",
    "UDPEchoServer",
    "HTTPServer",
    "greeting_server",
    "echo_server",
    "udp_echo_server",
    "http_server",
]

#: Pending connections a TCP helper keeps (socketserver's default, 5, resets clients in bursts).
BACKLOG = 512
_CHUNK = 65536


def _family_for(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


class _ThreadPerConnection(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A ``ThreadingTCPServer`` that knows its open connections, so ``stop()`` can end them."""

    allow_reuse_address = True
    request_queue_size = BACKLOG
    daemon_threads = True
    block_on_close = False

    def __init__(self, owner: "SocketServerBase", address, handler):
        self.owner = owner
        self.address_family = _family_for(address[0])
        self.connections: set[socket.socket] = set()
        self.handler_threads: list[threading.Thread] = []
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)
        self.socket.setblocking(False)  # a vanished client never blocks accept()

    def process_request(self, request, client_address):
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"helpers-{self.owner.kind}-connection",
            daemon=True,
        )
        with self.connections_lock:
            self.connections.add(request)
            # Keep threads until they have really ended, so stop() can join them all.
            self.handler_threads = [t for t in self.handler_threads if t.is_alive()]
            self.handler_threads.append(thread)
        thread.start()

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        self.owner._handler_failed(client_address)

    def end_connections(self, timeout: float) -> None:
        """Shut down every open connection and wait for its thread."""
        with self.connections_lock:
            connections = list(self.connections)
            threads = list(self.handler_threads)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(timeout)


class _UDPServer(socketserver.UDPServer):
    allow_reuse_address = False
    max_packet_size = 65535

    def __init__(self, owner, address, handler):
        self.owner = owner
        self.address_family = _family_for(address[0])
        super().__init__(address, handler)
        self.socket.setblocking(False)

    def handle_error(self, request, client_address):
        self.owner._handler_failed(client_address)


class SocketServerBase(BackgroundServer):
    """A ``BackgroundServer`` that runs a ``socketserver`` server in its thread."""

    server_class = _ThreadPerConnection

    def _handler_class(self):
        raise NotImplementedError

    def _open(self, host, port):
        self._waker = Waker()
        self._server = self.server_class(self, (host, port), self._handler_class())
        return self._server.server_address

    def _serve(self):
        serve_until_woken(self._server.socket, self._waker, self._server.handle_request)

    def _shutdown(self):
        self._waker.wake()

    def _close(self):
        if isinstance(self._server, _ThreadPerConnection):
            self._server.end_connections(timeout=2.0)
        self._server.server_close()
        self._waker.close()

    def _handler_failed(self, client_address) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, TimeoutError)):
            self.log.add(_("{client} went away: {error}", client=format_address(client_address), error=type(exc).__name__))
        elif exc is not None and not (self._stopped and isinstance(exc, OSError)):
            self._record_error(exc)

    @property
    def connection_count(self) -> int:
        """How many clients are connected right now (TCP servers)."""
        server = self._server
        if not isinstance(server, _ThreadPerConnection):
            return 0
        with server.connections_lock:
            return len(server.connections)


class _StreamHandler(socketserver.BaseRequestHandler):
    """Base for the TCP handlers: blocking connection, events in the owner's log and timeline.

    ``self.request`` is a ``TracedConnection``: each recv/send a handler makes is recorded.
    """

    def setup(self):
        # The student's default timeout (helpers.setup) must not cut idle clients off.
        self.request.settimeout(None)
        self.owner = owner = self.server.owner
        client = format_address(self.client_address)
        owner.log.add(_("connection from {client}", client=client))
        record = owner.timeline.open(client, "tcp")
        record.add(CONNECT, CLIENT)
        self.request = TracedConnection(self.request, record, me=SERVER, stopping=lambda: owner._stopped)

    def finish(self):
        # socketserver closes the socket right after this (shutdown_request).
        self.request.note_close()


class GreetingServer(SocketServerBase):
    """Sends one message to each client, then closes the connection.

    The source tutorial's first server, in Python 3: the text is encoded to
    UTF-8 bytes before it is sent.
    """

    kind = N_("greeting server")

    def __init__(self, message: str | None = None, **kwargs):
        if message is None:  # the default greeting speaks the student's language (helpers.setup(lang=...))
            message = _("Thank you for connecting")
        if isinstance(message, (bytes, bytearray)):
            message = bytes(message).decode("utf-8")
        if not isinstance(message, str):
            raise TypeError(_("The greeting must be text (str), not {kind}.", kind=type(message).__name__))
        self.message = message
        self.payload = message.encode("utf-8")
        super().__init__(**kwargs)

    def _handler_class(self):
        payload = self.payload

        class GreetingHandler(_StreamHandler):
            def handle(self):
                self.request.sendall(payload)
                self.owner.log.add(_("sent {count} bytes to {client}", count=len(payload), client=format_address(self.client_address)))

        return GreetingHandler


class EchoServer(SocketServerBase):
    """Sends back every byte each client sends, until the client closes; many clients at once."""

    kind = N_("echo server")

    def _handler_class(self):
        class EchoHandler(_StreamHandler):
            def handle(self):
                conn = self.request
                total = 0
                while True:
                    data = conn.recv(_CHUNK)
                    if not data:
                        break
                    conn.sendall(data)
                    total += len(data)
                self.owner.log.add(_("echoed {count} bytes to {client}", count=total, client=format_address(self.client_address)))

        return EchoHandler


class UDPEchoServer(SocketServerBase):
    """Sends every datagram back to its sender, dropping a share ``loss`` of them.

    With a ``seed`` the choice of dropped datagrams is reproducible.
    """

    kind = N_("UDP echo server")
    server_class = _UDPServer

    def __init__(self, loss: float = 0.0, seed=None, delay=0.0, **kwargs):
        if isinstance(loss, bool) or not isinstance(loss, (int, float)) or not 0.0 <= loss <= 1.0:
            raise ValueError(_("loss is a share between 0.0 and 1.0, not {value!r}.", value=loss))
        self.loss = float(loss)
        self.delay = _delay_range(delay)
        self._random = random.Random(seed)
        self.received = 0
        self.dropped = 0
        super().__init__(**kwargs)

    def _handler_class(self):
        owner = self

        class DatagramEchoHandler(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                client = format_address(self.client_address)
                record = owner.timeline.find_or_open(client, "udp")
                owner.received += 1
                if owner.loss and owner._random.random() < owner.loss:
                    owner.dropped += 1
                    record.add(LOST, CLIENT, len(data), data)
                    owner.log.add(_("dropped {count} bytes from {client}", count=len(data), client=client))
                    return
                record.add(DATA, CLIENT, len(data), data)
                shortest, longest = owner.delay
                if longest:
                    # A simulated trip across a network (loopback answers in microseconds), not a wait for readiness.
                    time.sleep(owner._random.uniform(shortest, longest))
                sock.sendto(data, self.client_address)
                record.add(DATA, SERVER, len(data), data)
                owner.log.add(_("echoed {count} bytes to {client}", count=len(data), client=format_address(self.client_address)))

        return DatagramEchoHandler


#: The longest simulated delay: the server answers nothing else meanwhile.
LONGEST_DELAY = 1.0


def _delay_range(delay) -> tuple[float, float]:
    """``delay`` as (shortest, longest) seconds: a number is a fixed delay, a pair a random range."""
    pair = delay if isinstance(delay, (tuple, list)) else (delay, delay)
    valid = len(pair) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
    if not valid or not 0.0 <= pair[0] <= pair[1] <= LONGEST_DELAY:
        raise ValueError(_("delay is a number of seconds, or a (shortest, longest) pair, from 0 to {longest}, not {value!r}.",
                           longest=LONGEST_DELAY, value=delay))
    return float(pair[0]), float(pair[1])


class HTTPServer(SocketServerBase):
    """Serves the files of ``directory`` over HTTP (like ``python -m http.server``)."""

    kind = N_("HTTP server")
    scheme = "http"

    def __init__(self, directory=".", **kwargs):
        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise FileNotFoundError(_("No such folder: {path}", path=directory))
        self.directory = os.path.abspath(directory)
        super().__init__(**kwargs)

    def _handler_class(self):
        owner = self

        class QuietHandler(http.server.SimpleHTTPRequestHandler):
            def setup(self):
                super().setup()
                self.request.settimeout(30)

            def log_message(self, format, *args):  # noqa: A002 - socketserver's name
                owner.log.add(format % args)

        return functools.partial(QuietHandler, directory=self.directory)


def greeting_server(message: str | None = None, **kwargs) -> GreetingServer:
    """Start a TCP server that sends ``message`` (UTF-8) to each client and closes.

    Without ``message`` it sends "Thank you for connecting" in the language
    chosen by ``helpers.setup()``; ``srv.message`` is the text it sends.

    Typical use::

        srv = helpers.greeting_server()
        with socket.create_connection(srv.address) as s:
            print(s.recv(1024).decode())   # Thank you for connecting
    """
    return GreetingServer(message, **kwargs)


def echo_server(**kwargs) -> EchoServer:
    """Start a TCP echo server: every byte a client sends comes back, many clients at once.

    Typical use::

        with helpers.echo_server() as srv:
            with socket.create_connection(srv.address) as s:
                s.sendall(b"ping")
                print(s.recv(1024))   # b'ping'
    """
    return EchoServer(**kwargs)


def udp_echo_server(loss: float = 0.0, seed=None, delay=0.0, **kwargs) -> UDPEchoServer:
    """Start a UDP echo server that drops a share ``loss`` of datagrams (reproducible with ``seed``).

    ``delay`` holds each echo back, like a distant server: a number of seconds, or a
    ``(shortest, longest)`` range to draw from.

    Typical use::

        srv = helpers.udp_echo_server(loss=0.3, seed=1, delay=(0.005, 0.03))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"ping", srv.address)
    """
    return UDPEchoServer(loss=loss, seed=seed, delay=delay, **kwargs)


def http_server(directory=".", **kwargs) -> HTTPServer:
    """Start an HTTP server for the files in ``directory``; ``srv.url`` is its address.

    Typical use::

        srv = helpers.http_server("web")
        urllib.request.urlopen(srv.url + "index.html").read()
    """
    return HTTPServer(directory, **kwargs)
