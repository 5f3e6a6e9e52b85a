"""A chosen part of a timeline, shown three ways: a sequence diagram, text, a summary.

``srv.trace()`` (and ``run.trace()``) returns a ``Trace``. In JupyterLab it
draws itself as an SVG sequence diagram (``_repr_svg_``); ``print()`` shows
the same events one per line; ``summary()`` says in a sentence or two what
went right or wrong. Every label is a catalog message, so it reads in the
student's language.

By default a trace shows the last 3 connections: a lesson cell usually makes
one or two, and a server used across many cells (or by 150 clients at once)
must not grow an ever longer picture in the stored notebook. ``last=None``
shows every connection kept; ``connection=`` picks one.

Times ("+0.12 ms") and addresses ("127.0.0.1:54321") have fixed forms that
tests/notebooks/sanitize.cfg rewrites; the layout depends only on the order
of events, and ``times=False`` leaves the times out.

Typical use::

    srv = helpers.echo_server()
    ...                              # a cell talks to it
    srv.trace()                      # the diagram
    print(srv.trace(times=False))    # text, one event per line
    srv.trace().summary()            # 'The server received 5 bytes, sent 5 bytes back, then the client closed.'
"""

from __future__ import annotations

from typing import NamedTuple

from .background import format_address
from .messages import _, ngettext
from .timeline import (
    CLIENT,
    CLOSE,
    CONNECT,
    DATA,
    FIN,
    GONE,
    HANDSHAKE,
    HANDSHAKE_OK,
    LOST,
    MESSAGE,
    RAISED,
    RETURNED,
    RST,
    SERVER,
    TIMEOUT,
    Event,
)

__all__ = ["Trace", "ConnectionView", "ARROW_KINDS", "event_label", "format_time", "preview", "byte_count", "earlier_connections", "earlier_events"]

#: Kinds drawn as an arrow from ``side`` to the other lifeline; the others are notes on ``side``'s lifeline.
ARROW_KINDS = frozenset({CONNECT, DATA, FIN, CLOSE, RST, LOST, HANDSHAKE, HANDSHAKE_OK, MESSAGE})


class ConnectionView(NamedTuple):
    """One connection as a trace shows it (a copy: later events do not change it).

    Typical use::

        view.number, view.peer, [e.kind for e in view.events]
    """

    number: int
    peer: object
    transport: str
    events: list
    dropped: int
    bytes: dict
    counts: dict

    def count(self, kind: str, side: str | None = None) -> int:
        """Events of ``kind`` (by ``side``) since the connection opened, kept or not."""
        if side is not None:
            return self.counts.get((kind, side), 0)
        return sum(n for (k, _s), n in self.counts.items() if k == kind)

    def first(self, *kinds) -> Event | None:
        """The first kept event of one of ``kinds``."""
        return next((event for event in self.events if event.kind in kinds), None)


def format_time(seconds: float) -> str:
    """``0.000123`` -> ``"+0.12 ms"`` (a form the notebooks' sanitizer rewrites).

    Typical use::

        format_time(event.time)
    """
    return f"+{seconds * 1000:.2f} ms"


def preview(event: Event) -> str:
    """The payload's first bytes, repr-style, with "…" when there was more.

    Typical use::

        preview(event)   # "b'hello'"
    """
    if event.head is None:
        return ""
    more = event.size is not None and event.size > len(event.head.encode("utf-8") if isinstance(event.head, str) else event.head)
    return repr(event.head) + ("…" if more else "")


def event_label(event: Event, transport: str = "tcp") -> str:
    """The short, localised label of one event ("5 bytes b'hello'", "FIN (no more data)" ...).

    Typical use::

        event_label(Event(0.0, "data", "client", 5, b"hello"))   # "5 bytes b'hello'"
    """
    kind = event.kind
    if kind == CONNECT:
        # The operating systems did the three-way handshake before accept() returned: name its segments.
        return _("connect (SYN, SYN-ACK, ACK)")
    if kind == DATA:
        if transport == "udp":
            return ngettext("datagram, {count} byte {preview}", "datagram, {count} bytes {preview}", event.size or 0, count=event.size, preview=preview(event))
        return ngettext("{count} byte {preview}", "{count} bytes {preview}", event.size or 0, count=event.size, preview=preview(event))
    if kind == FIN:
        return _("FIN (no more data)")
    if kind == CLOSE:
        if transport == "ws":
            return _("close frame, code {code}", code=event.detail)
        if event.detail == "stopped":
            return _("close (FIN): server stopped")
        return _("close (FIN)")
    if kind == RST:
        return _("RST (connection reset)")
    if kind == TIMEOUT:
        if event.detail is None:
            return _("timeout")
        if event.size:  # a send that could not pass its bytes on
            return _("timeout after {seconds:g} s while sending", seconds=event.detail)
        return _("timeout after {seconds:g} s", seconds=event.detail)
    if kind == LOST:
        return ngettext("lost: {count} byte {preview}", "lost: {count} bytes {preview}", event.size or 0, count=event.size, preview=preview(event))
    if kind == HANDSHAKE:
        return _("GET {path} (upgrade to WebSocket)", path=event.detail)
    if kind == HANDSHAKE_OK:
        return _("{status} Switching Protocols", status=event.detail)
    if kind == MESSAGE:
        if event.detail == "text":
            return ngettext("text, {count} byte {preview}", "text, {count} bytes {preview}", event.size or 0, count=event.size, preview=preview(event))
        if event.detail == "binary":
            return ngettext("binary, {count} byte {preview}", "binary, {count} bytes {preview}", event.size or 0, count=event.size, preview=preview(event))
        return _("fragmented message")
    if kind == GONE:
        return _("connection lost")
    if kind == RETURNED:
        return _("{name}() returned", name=event.detail)
    if kind == RAISED:
        name, error = event.detail
        return _("{name}() raised {error}", name=name, error=error)
    return kind


def byte_count(n: int) -> str:
    """"1 byte", "5 bytes" (localised, with the language's plural forms), for sentences with two counts.

    Typical use::

        byte_count(5)   # "5 bytes"
    """
    return ngettext("{count} byte", "{count} bytes", n, count=n)


def earlier_connections(n: int) -> str:
    """"(2 earlier connections not shown)", localised."""
    return ngettext("({count} earlier connection not shown)", "({count} earlier connections not shown)", n, count=n)


def earlier_events(n: int) -> str:
    """"(5 earlier events not kept)", localised."""
    return ngettext("({count} earlier event not kept)", "({count} earlier events not kept)", n, count=n)


def side_name(side: str) -> str:
    """"client" / "server", localised."""
    return _("client") if side == CLIENT else _("server")


class Trace:
    """Some connections of a timeline, copied when the trace was made.

    Methods for the caller: ``text()`` (also ``repr``/``print``), ``summary()``,
    ``svg()`` (also ``_repr_svg_`` for JupyterLab); attributes ``connections``,
    ``events``, ``times``, ``not_shown``.

    Typical use::

        trace = srv.trace()
        [event.kind for event in trace.events]   # ['connect', 'data', 'data', 'fin', 'close']
        print(trace.summary())
    """

    def __init__(self, connections, *, server_label: str, server_address, student: str, times: bool = True, not_shown: int = 0):
        self.connections: list[ConnectionView] = list(connections)
        self.server_label = server_label  # an English catalog id, translated when shown
        self.server_address = server_address
        self.student = student  # whose code the trace is about: CLIENT (our servers) or SERVER (the harness)
        self.times = times
        self.not_shown = not_shown

    @classmethod
    def from_timeline(cls, timeline, *, connection=None, last=3, times=True, server_label, server_address, student) -> "Trace":
        """Copy the chosen connections of ``timeline`` (see ``BackgroundServer.trace``)."""
        records = timeline.connections()
        if connection is not None:
            wanted = format_address(connection) if isinstance(connection, tuple) else connection
            chosen = [r for r in records if r.number == wanted or r.peer == wanted]
        elif last is not None:
            chosen = records[-last:] if last > 0 else []
        else:
            chosen = records
        views = []
        for record in chosen:
            events, dropped, sent, counts = record.snapshot()
            views.append(ConnectionView(record.number, record.peer, record.transport, events, dropped, sent, counts))
        not_shown = 0 if connection is not None else timeline.dropped_connections + len(records) - len(chosen)
        return cls(views, server_label=server_label, server_address=server_address, student=student, times=times, not_shown=not_shown)

    @property
    def events(self) -> list[Event]:
        """Every shown event, connection after connection."""
        return [event for view in self.connections for event in view.events]

    def lifelines(self, view: ConnectionView) -> tuple[tuple[str, str], tuple[str, str]]:
        """((client name, address), (server name, address)) of a connection, names localised."""
        client_address = "" if view.peer is None else str(view.peer)
        return (_("client"), client_address), (_(self.server_label), format_address(self.server_address))

    def heading(self, view: ConnectionView) -> str:
        """"connection 2" (localised)."""
        return _("connection {number}", number=view.number)

    def summary(self) -> str:
        """One or two sentences, in the student's words, on what went right or wrong.

        Typical use::

            srv.trace().summary()   # 'Your client sent 0 bytes and never half-closed; the server waited.'
        """
        from .trace_summary import summarize

        return summarize(self)

    def text(self) -> str:
        """The events one per line, per connection, then the summary.

        Typical use::

            print(srv.trace().text())
        """
        lines = []
        if self.not_shown:
            lines.append(earlier_connections(self.not_shown))
        if not self.connections:
            lines.append(_("(no connections yet)"))
        width = max(len(side_name(CLIENT)), len(side_name(SERVER)))
        for view in self.connections:
            (client, client_address), (server, server_address) = self.lifelines(view)
            lines.append(f"{self.heading(view)}: {client} {client_address} ↔ {server} {server_address}".replace("  ", " "))
            if view.dropped:
                lines.append("  " + earlier_events(view.dropped))
            for event in view.events:
                when = f"{format_time(event.time):>12}  " if self.times else ""
                if event.kind in ARROW_KINDS:
                    other = SERVER if event.side == CLIENT else CLIENT
                    who = f"{side_name(event.side):>{width}} → {side_name(other):<{width}}"
                else:
                    who = f"{side_name(event.side):>{width}} · {'':<{width}}"
                lines.append(f"  {when}{who}  {event_label(event, view.transport)}")
        lines.append(self.summary())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def svg(self) -> str:
        """The sequence diagram as SVG text (no dependency; see ``helpers.sequence_diagram``)."""
        from .sequence_diagram import render

        return render(self)

    def _repr_svg_(self) -> str:
        return self.svg()
