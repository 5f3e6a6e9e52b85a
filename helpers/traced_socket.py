"""Sockets that record each call they make on a ``ConnectionRecord``.

``TracedConnection`` wraps the connection socket a server handler uses (the
handler calls ``recv``/``sendall`` as before); ``TracedClientSocket`` is a real
``socket.socket`` for the harness's own clients. One event per call, never per
byte: ``recv`` returning data, ``b''`` (the peer's FIN), ``ConnectionResetError``
(the peer's RST) or ``TimeoutError``; each send; ``shutdown(SHUT_WR)``; ``close``.

Typical use::

    conn = TracedConnection(request, timeline.open("127.0.0.1:54321"), me=SERVER)
    data = conn.recv(65536)    # recorded: data from the client, or its FIN
    conn.sendall(data)         # recorded: data from the server
"""

from __future__ import annotations

import socket

from .background import format_address
from .timeline import CLIENT, CLOSE, CONNECT, DATA, FIN, PREVIEW_BYTES, RST, SERVER, TIMEOUT, ConnectionRecord

__all__ = ["TracedConnection", "TracedClientSocket"]

_OTHER = {CLIENT: SERVER, SERVER: CLIENT}


class _Recorder:
    """What both socket kinds share: which side we are, and whether the connection ended."""

    def _init_recorder(self, record: ConnectionRecord, me: str, stopping=None):
        self.record = record
        self.me = me
        self.peer_side = _OTHER[me]
        self._stopping = stopping
        self._ended = False

    def _received(self, data, count=None):
        count = len(data) if count is None else count
        if count:
            self.record.add(DATA, self.peer_side, count, data)
        elif self._stopping is not None and self._stopping():
            # b'' because stop() shut our own socket down, not because the peer half-closed.
            self._note_close(detail="stopped")
        else:
            self.record.add(FIN, self.peer_side)
        return data

    def _reset(self):
        if not self._ended:
            self._ended = True
            self.record.add(RST, self.peer_side)

    def _timed_out(self, seconds, sending=None):
        # ``sending``: the bytes of a send that timed out (the peer read nothing), kept as the event's size.
        self.record.add(TIMEOUT, self.me, sending, detail=None if seconds is None else round(seconds, 1))

    def _note_close(self, detail=None):
        if not self._ended:
            self._ended = True
            self.record.add(CLOSE, self.me, detail=detail)


class TracedConnection(_Recorder):
    """A thin wrapper around a connected socket; every other attribute is the socket's.

    ``stopping()`` (optional) tells a ``b''`` caused by the server's own stop from the peer's FIN.

    Typical use::

        conn = TracedConnection(sock, record, me=SERVER)
        conn.sendall(b"hi"); conn.note_close()
    """

    def __init__(self, sock: socket.socket, record: ConnectionRecord, me: str = SERVER, stopping=None):
        self.sock = sock
        self._init_recorder(record, me, stopping)

    def recv(self, bufsize, flags=0):
        """``socket.recv``, recorded."""
        try:
            data = self.sock.recv(bufsize, flags)
        except ConnectionResetError:
            self._reset()
            raise
        except TimeoutError:
            self._timed_out(self.sock.gettimeout())
            raise
        return self._received(data)

    def send(self, data, flags=0):
        """``socket.send``, recorded (the bytes really sent)."""
        try:
            count = self.sock.send(data, flags)
        except (ConnectionResetError, BrokenPipeError):
            self._reset()
            raise
        except TimeoutError:  # the peer reads nothing: its buffers, then ours, are full
            self._timed_out(self.sock.gettimeout(), sending=len(data))
            raise
        self.record.add(DATA, self.me, count, data)
        return count

    def sendall(self, data, flags=0):
        """``socket.sendall``, recorded."""
        # Recorded before the call, so the peer's answer (recorded by another thread) never comes first.
        self.record.add(DATA, self.me, len(data), data)
        try:
            self.sock.sendall(data, flags)
        except (ConnectionResetError, BrokenPipeError):
            self._reset()
            raise
        except TimeoutError:  # the peer reads nothing: its buffers, then ours, are full
            self._timed_out(self.sock.gettimeout(), sending=len(data))
            raise

    def shutdown(self, how):
        """``socket.shutdown``; ``SHUT_WR`` / ``SHUT_RDWR`` is recorded as our FIN."""
        if how in (socket.SHUT_WR, socket.SHUT_RDWR) and not self._ended:
            self.record.add(FIN, self.me)
        self.sock.shutdown(how)

    def note_close(self, detail=None) -> None:
        """Record that we close the connection now (once; nothing after a reset)."""
        self._note_close(detail)

    def close(self):
        """``socket.close``, recorded."""
        self._note_close()
        self.sock.close()

    def __getattr__(self, name):
        return getattr(self.sock, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class TracedClientSocket(_Recorder, socket.socket):
    """A client ``socket.socket`` (for the harness) that records its calls, from the client's side.

    Typical use::

        client = TracedClientSocket.connect_to(("127.0.0.1", 5000), timeline, timeout=5)
        client.sendall(b"ping"); client.shutdown(socket.SHUT_WR); client.recv(1024)
    """

    @classmethod
    def connect_to(cls, address, timeline, timeout: float):
        """Connect like ``socket.create_connection``; a new record of ``timeline`` (named by our address) starts."""
        plain = socket.create_connection(address, timeout=timeout)
        traced = cls(plain.family, plain.type, plain.proto, fileno=plain.detach())
        traced.settimeout(timeout)
        record = timeline.open(format_address(traced.getsockname()), "tcp")
        record.add(CONNECT, CLIENT)
        traced._init_recorder(record, CLIENT)
        return traced

    def recv(self, bufsize, flags=0):
        """``socket.recv``, recorded."""
        try:
            data = super().recv(bufsize, flags)
        except ConnectionResetError:
            self._reset()
            raise
        except TimeoutError:
            self._timed_out(self.gettimeout())
            raise
        return self._received(data)

    def recv_into(self, buffer, nbytes=0, flags=0):
        """``socket.recv_into``, recorded."""
        try:
            count = super().recv_into(buffer, nbytes, flags)
        except ConnectionResetError:
            self._reset()
            raise
        except TimeoutError:
            self._timed_out(self.gettimeout())
            raise
        self._received(bytes(memoryview(buffer)[:min(count, PREVIEW_BYTES)]), count)
        return count

    def send(self, data, flags=0):
        """``socket.send``, recorded (the bytes really sent)."""
        try:
            count = super().send(data, flags)
        except (ConnectionResetError, BrokenPipeError):
            self._reset()
            raise
        self.record.add(DATA, self.me, count, data)
        return count

    def sendall(self, data, flags=0):
        """``socket.sendall``, recorded."""
        self.record.add(DATA, self.me, len(data), data)  # before the call: see TracedConnection.sendall
        try:
            super().sendall(data, flags)
        except (ConnectionResetError, BrokenPipeError):
            self._reset()
            raise
        except TimeoutError:
            self._timed_out(self.gettimeout(), sending=len(data))
            raise

    def shutdown(self, how):
        """``socket.shutdown``; ``SHUT_WR`` / ``SHUT_RDWR`` is recorded as our FIN."""
        if how in (socket.SHUT_WR, socket.SHUT_RDWR) and not self._ended:
            self.record.add(FIN, self.me)
        super().shutdown(how)

    def close(self):
        """``socket.close``, recorded once."""
        if getattr(self, "record", None) is not None and self.fileno() != -1:
            self._note_close()
        super().close()
