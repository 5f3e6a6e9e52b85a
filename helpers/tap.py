"""A wire tap: a TCP relay that keeps a copy of every byte it passes on.

A client connects to the tap instead of the server; the tap connects to the server and relays
both ways, so ``tap.from_client`` and ``tap.from_server`` show exactly what an eavesdropper on
the path would see: readable text for plain TCP, unreadable records for TLS.

Typical use::

    import socket, helpers
    srv = helpers.echo_server()
    tap = helpers.wire_tap(srv.address)
    with socket.create_connection(tap.address) as s:
        s.sendall(b"secret"); s.recv(1024)
    tap.from_client          # -> b'secret'
"""

from __future__ import annotations

import selectors
import socket
import socketserver
import threading

from .background import format_address
from .errors import check_host
from .messages import N_, _
from .servers import _CHUNK, SocketServerBase

__all__ = ["WireTap", "wire_tap"]

#: How long a relayed connection may stay silent before the tap gives up on it.
IDLE_TIMEOUT = 30.0
#: How long the tap waits to reach the server it relays to.
CONNECT_TIMEOUT = 5.0


class WireTap(SocketServerBase):
    """Relays each connection to ``target`` and records the bytes of both directions."""

    kind = N_("wire tap")

    def __init__(self, target, **kwargs):
        # The tap relays only to loopback, as every course server listens.
        self.target = (check_host(target[0]), target[1])
        self._bytes_lock = threading.Lock()
        self._from_client = bytearray()
        self._from_server = bytearray()
        super().__init__(**kwargs)

    @property
    def from_client(self) -> bytes:
        """Every byte the clients sent towards the server, in order."""
        with self._bytes_lock:
            return bytes(self._from_client)

    @property
    def from_server(self) -> bytes:
        """Every byte the server sent back towards the clients, in order."""
        with self._bytes_lock:
            return bytes(self._from_server)

    def clear(self) -> None:
        """Forget the bytes seen so far (the next connection starts a fresh copy)."""
        with self._bytes_lock:
            self._from_client.clear()
            self._from_server.clear()

    def _keep(self, copy: bytearray, data: bytes) -> None:
        with self._bytes_lock:
            copy.extend(data)

    def _handler_class(self):
        owner = self

        class RelayHandler(socketserver.BaseRequestHandler):
            def handle(self):
                client = format_address(self.client_address)
                try:
                    upstream = socket.create_connection(owner.target, timeout=CONNECT_TIMEOUT)
                except OSError as exc:
                    owner.log.add(_("could not reach {server}: {error}", server=format_address(owner.target), error=type(exc).__name__))
                    return
                owner.log.add(_("relaying {client} to {server}", client=client, server=format_address(owner.target)))
                with upstream:
                    self._relay(self.request, upstream)

            def _relay(self, conn, upstream):
                conn.settimeout(None)
                upstream.settimeout(None)
                peers = {conn: (upstream, owner._from_client), upstream: (conn, owner._from_server)}
                with selectors.DefaultSelector() as selector:
                    for sock in peers:
                        selector.register(sock, selectors.EVENT_READ)
                    while peers and not owner._stopped:
                        ready = selector.select(timeout=IDLE_TIMEOUT)
                        if not ready:
                            return  # both sides silent for too long
                        for key, _events in ready:
                            source = key.fileobj
                            target, copy = peers[source]
                            try:
                                data = source.recv(_CHUNK)
                            except OSError:
                                data = b""
                            if data:
                                owner._keep(copy, data)
                                try:
                                    target.sendall(data)
                                except OSError:
                                    return
                                continue
                            # One side finished: pass its FIN on and keep relaying the other way.
                            selector.unregister(source)
                            del peers[source]
                            try:
                                target.shutdown(socket.SHUT_WR)
                            except OSError:
                                pass

        return RelayHandler


def wire_tap(target, **kwargs) -> WireTap:
    """Start a relay to ``target`` (a server's address) that records every byte it passes on.

    Typical use::

        tap = helpers.wire_tap(srv.address)
        # ... connect to tap.address instead of srv.address ...
        print(tap.from_client[:40])
    """
    return WireTap(target, **kwargs)
