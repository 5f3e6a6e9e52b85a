"""WebSocket servers for the lessons, on ``websockets.sync.server`` (websockets >= 14).

Handlers take one argument, the connection; the request path is
``websocket.request.path``. Push loops wait with ``recv(timeout=interval)``,
which doubles as a pause and notices at once when the client leaves.

Typical use (in a notebook cell, with top-level ``await``)::

    from websockets.asyncio.client import connect
    srv = helpers.ws_time_server(interval=0.2)
    async with connect(srv.url) as ws:
        print(await ws.recv())      # 2026-01-01T12:00:00.123456+00:00
"""

from __future__ import annotations

import datetime
import logging
import random

from websockets.exceptions import ConnectionClosed, ConnectionClosedOK
from websockets.sync.server import serve

from .background import BackgroundServer, format_address
from .messages import N_, _
from .timeline import CLIENT, CLOSE, CONNECT, GONE, HANDSHAKE, HANDSHAKE_OK, MESSAGE, SERVER

__all__ = [
    "WebSocketServer",
    "ws_echo_server",
    "ws_time_server",
    "ws_random_server",
    "utc_timestamp",
]


# Server threads never print: websockets' own log lines go to a silent logger.
_quiet_logger = logging.getLogger("helpers.ws")
_quiet_logger.addHandler(logging.NullHandler())
_quiet_logger.propagate = False


def utc_timestamp() -> str:
    """The current time as an ISO-8601 string with its UTC offset.

    Typical use::

        utc_timestamp()   # -> '2026-11-25T14:00:00.123456+00:00'
    """
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


class WebSocketServer(BackgroundServer):
    """Runs ``handler(websocket)`` for each WebSocket client, in a thread per client."""

    kind = N_("WebSocket server")
    scheme = "ws"

    def __init__(self, handler, *, certificate: str | None = None, **kwargs):
        self._handler = handler
        #: None for ws://; one of helpers.tls.CERTIFICATES for wss:// with that certificate.
        self.certificate = certificate
        self._ssl = None
        if certificate is not None:
            from .tls import server_context  # trustme loads only for a wss:// server

            self._ssl = server_context(certificate)
            self.scheme = "wss"
        super().__init__(**kwargs)

    def _wrapped_handler(self, websocket):
        client = format_address(websocket.remote_address)
        self.log.add(_("connection from {client}", client=client))
        record = self.timeline.open(client, "ws")
        record.add(CONNECT, CLIENT)
        record.add(HANDSHAKE, CLIENT, detail=websocket.request.path)
        record.add(HANDSHAKE_OK, SERVER, detail=websocket.response.status_code)
        try:
            self._handler(_TracedWebSocket(websocket, record))
        except ConnectionClosed:
            pass  # the client left: a normal end for a push loop
        except Exception as exc:
            self._record_error(exc)
        finally:
            try:
                websocket.close()  # what websockets does right after the handler; here so the close is recorded
            finally:
                _record_closing(websocket.protocol, record)
                self.log.add(_("{client} disconnected", client=client))

    def _open(self, host, port):
        self._server = serve(
            self._wrapped_handler, host, port, compression=None, max_size=2**24, logger=_quiet_logger,
            ssl=self._ssl,
        )
        return self._server.socket.getsockname()

    def _serve(self):
        self._server.serve_forever()

    def _shutdown(self):
        self._server.shutdown()

    def _close(self):
        self._server.socket.close()


class _TracedWebSocket:
    """The connection a handler gets: ``send``/``recv``/iteration are recorded, the rest is websockets'."""

    def __init__(self, websocket, record):
        self._websocket = websocket
        self._record = record

    def recv(self, *args, **kwargs):
        message = self._websocket.recv(*args, **kwargs)
        _record_message(self._record, CLIENT, message)
        return message

    def send(self, message, *args, **kwargs):
        self._websocket.send(message, *args, **kwargs)
        _record_message(self._record, SERVER, message)

    def __iter__(self):
        try:
            while True:
                yield self.recv()
        except ConnectionClosedOK:
            return

    def __getattr__(self, name):
        return getattr(self._websocket, name)


def _record_message(record, side, message) -> None:
    if isinstance(message, str):
        record.add(MESSAGE, side, len(message.encode("utf-8")), message, detail="text")
    elif isinstance(message, (bytes, bytearray, memoryview)):
        record.add(MESSAGE, side, len(message), bytes(message[:16]), detail="binary")
    else:  # a fragmented message (an iterable of frames): no size to show
        record.add(MESSAGE, side, detail="fragments")


def _record_closing(protocol, record) -> None:
    """Close frames in the order they went, with their codes; none at all means the connection was lost."""
    frames = []
    if protocol.close_rcvd is not None:
        frames.append((CLIENT, protocol.close_rcvd.code))
    if protocol.close_sent is not None:
        frames.append((SERVER, protocol.close_sent.code))
    if protocol.close_rcvd_then_sent is False:
        frames.reverse()
    for side, code in frames:
        record.add(CLOSE, side, detail=code)
    if protocol.close_rcvd is None:
        record.add(GONE, CLIENT)


def _echo(websocket):
    for message in websocket:
        websocket.send(message)


def _pusher(make_message, interval: float):
    def push(websocket):
        while True:
            websocket.send(make_message())
            try:
                websocket.recv(timeout=interval)  # a pause that ends early if the client leaves
            except TimeoutError:
                continue

    return push


def _check_interval(interval) -> float:
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not interval > 0:
        raise ValueError(_("interval is a positive number of seconds, not {value!r}.", value=interval))
    return float(interval)


def ws_echo_server(**kwargs) -> WebSocketServer:
    """Start a WebSocket server that sends every message back unchanged.

    ``certificate="good"`` (or another of ``helpers.tls.CERTIFICATES``) serves ``wss://``.

    Typical use::

        from websockets.sync.client import connect
        srv = helpers.ws_echo_server()
        with connect(srv.url) as ws:
            ws.send("hi"); print(ws.recv())   # hi
    """
    server = WebSocketServer(_echo, **kwargs)
    server.kind = N_("WebSocket echo server")
    return server


def ws_time_server(interval: float = 1.0, **kwargs) -> WebSocketServer:
    """Start a WebSocket server that pushes the UTC time (ISO-8601) every ``interval`` seconds.

    Typical use::

        srv = helpers.ws_time_server(interval=0.5)
        async with connect(srv.url) as ws:
            print(await ws.recv())
    """
    server = WebSocketServer(_pusher(utc_timestamp, _check_interval(interval)), **kwargs)
    server.kind = N_("WebSocket time server")
    return server


def ws_random_server(interval: float = 1.0, seed=None, **kwargs) -> WebSocketServer:
    """Start a WebSocket server that pushes a random digit "0"-"9" every ``interval`` seconds.

    Typical use::

        srv = helpers.ws_random_server(interval=0.5)
        async with connect(srv.url) as ws:
            print(await ws.recv())   # e.g. 7
    """
    rng = random.Random(seed)
    server = WebSocketServer(_pusher(lambda: str(rng.randint(0, 9)), _check_interval(interval)), **kwargs)
    server.kind = N_("WebSocket random-number server")
    return server
