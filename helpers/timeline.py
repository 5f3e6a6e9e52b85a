"""A bounded, thread-safe record of what happened on each connection of a server.

Every helper server (and the harness) owns a ``Timeline``. Each connection
gets a ``ConnectionRecord`` whose events are tuples appended under a small
per-connection lock: one ``time.monotonic()`` call and one tuple per socket
call, never per byte, so recording stays on without slowing the echo loop.

Memory is bounded twice: a connection keeps its newest ``max_events`` events
(older ones are counted, not kept) and the timeline keeps its newest
``max_connections`` connections (older ones are counted in
``dropped_connections``).

Typical use::

    timeline = Timeline()
    conn = timeline.open("127.0.0.1:54321", "tcp")
    conn.add(CONNECT, CLIENT)
    conn.add(DATA, CLIENT, 5, b"hello")
    [event.kind for event in timeline.connections()[0].events]   # ['connect', 'data']
"""

from __future__ import annotations

import collections
import threading
import time
from typing import NamedTuple

__all__ = [
    "Timeline",
    "ConnectionRecord",
    "Event",
    "KINDS",
    "CLIENT",
    "SERVER",
    "PREVIEW_BYTES",
    "CONNECT",
    "DATA",
    "FIN",
    "RST",
    "CLOSE",
    "TIMEOUT",
    "LOST",
    "HANDSHAKE",
    "HANDSHAKE_OK",
    "MESSAGE",
    "GONE",
    "RETURNED",
    "RAISED",
]

#: Who acted: the sender of data, the side that half-closed, reset, waited ...
CLIENT = "client"
SERVER = "server"

#: How many leading bytes (or characters) of a payload an event keeps.
PREVIEW_BYTES = 16

# Event kinds. ``side`` is always who did it (the sender of an arrow, the owner of a note).
CONNECT = "connect"            # TCP connection established (accept / connect)
DATA = "data"                  # bytes (TCP) or a datagram (UDP) sent by ``side``
FIN = "fin"                    # ``side`` half-closed: the other end's recv() returned b''
RST = "rst"                    # ``side`` reset the connection (ConnectionResetError)
CLOSE = "close"                # ``side`` closed (TCP), or sent a WebSocket close frame (detail: code)
TIMEOUT = "timeout"            # ``side`` stopped waiting (detail: seconds; size: bytes a send could not pass on)
LOST = "lost"                  # a datagram from ``side`` dropped by the seeded loss
HANDSHAKE = "handshake"        # WebSocket opening handshake: HTTP upgrade request (detail: path)
HANDSHAKE_OK = "handshake_ok"  # WebSocket opening handshake: the response (detail: status, 101)
MESSAGE = "message"            # WebSocket message (detail: "text" or "binary")
GONE = "gone"                  # connection lost without a closing handshake
RETURNED = "returned"          # the student's function returned (detail: function name)
RAISED = "raised"              # the student's function raised (detail: (name, exception type))

KINDS = (CONNECT, DATA, FIN, RST, CLOSE, TIMEOUT, LOST, HANDSHAKE, HANDSHAKE_OK, MESSAGE, GONE, RETURNED, RAISED)


class Event(NamedTuple):
    """One recorded event; ``time`` is seconds since the timeline started.

    ``head`` is at most ``PREVIEW_BYTES`` of the payload, ``size`` its full length.

    Typical use::

        event.kind, event.side, event.size   # ('data', 'client', 5)
    """

    time: float
    kind: str
    side: str
    size: int | None = None
    head: bytes | str | None = None
    detail: object = None


_monotonic = time.monotonic


def _make_event(fields: tuple) -> "Event":
    return Event._make(fields)


class ConnectionRecord:
    """The events of one connection (or, for UDP, of one client address), newest last.

    Typical use::

        record.add(DATA, SERVER, len(data), data)
        record.events, record.dropped_events, record.bytes_sent(CLIENT)
    """

    __slots__ = ("number", "peer", "transport", "_start", "_events", "_lock", "_seen", "_bytes", "_counts")

    def __init__(self, number: int, peer, transport: str, start: float, max_events: int):
        self.number = number
        self.peer = peer
        self.transport = transport
        self._start = start
        self._events: collections.deque = collections.deque(maxlen=max_events)
        self._lock = threading.Lock()
        self._seen = 0
        # Running totals survive the deque's bound, so a summary of a long run stays right.
        self._bytes = {CLIENT: 0, SERVER: 0}
        self._counts: dict = {}

    def add(self, kind: str, side: str, size: int | None = None, data=None, detail=None) -> None:
        """Record one event now (safe from any thread); ``data`` is cut to its preview."""
        # A plain tuple here (an Event is built when read): this runs on every recv and send.
        event = (_monotonic() - self._start, kind, side, size, None if data is None else data[:PREVIEW_BYTES], detail)
        key = (kind, side)
        counts = self._counts
        with self._lock:
            self._events.append(event)
            self._seen += 1
            if size and kind is not TIMEOUT:  # a timeout's size is what it could not send, not bytes moved
                self._bytes[side] += size
            counts[key] = counts.get(key, 0) + 1

    @property
    def events(self) -> list[Event]:
        """The kept events, oldest first."""
        with self._lock:
            kept = list(self._events)
        return [_make_event(event) for event in kept]

    @property
    def dropped_events(self) -> int:
        """How many older events were not kept."""
        with self._lock:
            return self._seen - len(self._events)

    def bytes_sent(self, side: str) -> int:
        """Bytes ``side`` sent on this connection since it opened (kept or not)."""
        with self._lock:
            return self._bytes[side]

    def count(self, kind: str, side: str | None = None) -> int:
        """How many events of ``kind`` (by ``side``, or by either) were recorded, kept or not."""
        with self._lock:
            if side is not None:
                return self._counts.get((kind, side), 0)
            return sum(n for (k, _s), n in self._counts.items() if k == kind)

    def snapshot(self) -> tuple[list[Event], int, dict, dict]:
        """(events, dropped, bytes by side, counts) read together, under the lock."""
        with self._lock:
            kept, dropped, sent, counts = list(self._events), self._seen - len(self._events), dict(self._bytes), dict(self._counts)
        return [_make_event(event) for event in kept], dropped, sent, counts

    def __repr__(self) -> str:
        return f"<ConnectionRecord #{self.number} {self.transport} {self.peer}>"


class Timeline:
    """Every connection's events for one server, bounded in memory, safe from any thread.

    Typical use::

        srv.timeline.connections()[-1].events   # what the newest connection did
        srv.timeline.dropped_connections        # older connections no longer kept
    """

    def __init__(self, max_connections: int = 64, max_events: int = 200):
        self.start = time.monotonic()
        self.max_connections = max_connections
        self.max_events = max_events
        self.dropped_connections = 0
        self._lock = threading.Lock()
        self._records: collections.OrderedDict[int, ConnectionRecord] = collections.OrderedDict()
        self._by_peer: dict = {}
        self._opened = 0

    def open(self, peer, transport: str = "tcp") -> ConnectionRecord:
        """A record for a new connection from ``peer`` (the oldest is dropped beyond the bound)."""
        with self._lock:
            self._opened += 1
            record = ConnectionRecord(self._opened, peer, transport, self.start, self.max_events)
            self._records[record.number] = record
            self._by_peer[peer] = record
            while len(self._records) > self.max_connections:
                _number, old = self._records.popitem(last=False)
                self.dropped_connections += 1
                if self._by_peer.get(old.peer) is old:
                    del self._by_peer[old.peer]
            return record

    def find_or_open(self, peer, transport: str = "udp") -> ConnectionRecord:
        """The newest kept record of ``peer``, or a new one (UDP: one record per client address)."""
        with self._lock:
            record = self._by_peer.get(peer)
        return record if record is not None else self.open(peer, transport)

    def latest(self) -> ConnectionRecord | None:
        """The newest connection's record, or None."""
        with self._lock:
            return next(reversed(self._records.values()), None)

    def connections(self) -> list[ConnectionRecord]:
        """The kept connections, oldest first."""
        with self._lock:
            return list(self._records.values())

    @property
    def opened(self) -> int:
        """How many connections were recorded in all (kept or dropped)."""
        return self._opened

    def clear(self) -> None:
        """Forget every connection (numbering goes on)."""
        with self._lock:
            self._records.clear()
            self._by_peer.clear()
            self.dropped_connections = 0

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return f"<Timeline {len(self._records)} connections, {self.dropped_connections} dropped>"
