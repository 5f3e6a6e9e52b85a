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

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

from .background import BackgroundServer, format_address
from .messages import N_, _

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

    def __init__(self, handler, **kwargs):
        self._handler = handler
        super().__init__(**kwargs)

    def _wrapped_handler(self, websocket):
        client = format_address(websocket.remote_address)
        self.log.add(_("connection from {client}", client=client))
        try:
            self._handler(websocket)
        except ConnectionClosed:
            pass  # the client left: a normal end for a push loop
        except Exception as exc:
            self._record_error(exc)
        finally:
            self.log.add(_("{client} disconnected", client=client))

    def _open(self, host, port):
        self._server = serve(
            self._wrapped_handler, host, port, compression=None, max_size=2**24, logger=_quiet_logger
        )
        return self._server.socket.getsockname()

    def _serve(self):
        self._server.serve_forever()

    def _shutdown(self):
        self._server.shutdown()

    def _close(self):
        self._server.socket.close()


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
