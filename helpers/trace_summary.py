"""What a trace means, in one or two sentences a student understands.

A small set of patterns, checked in order: for TCP a reset (RST), a timeout,
a clean end (FIN), a server that closed first, and a client that never
half-closed; for UDP how many datagrams were lost and whether the client sent
them again; for WebSockets the handshake, the messages each way and how the
connection ended. The newest connection of the trace is the one described
(UDP: every client address of the trace together).

Typical use::

    summarize(srv.trace())   # 'The server received 5 bytes, sent 5 bytes back, then the client closed.'
"""

from __future__ import annotations

from .messages import _
from .timeline import CLIENT, CLOSE, DATA, FIN, GONE, HANDSHAKE, LOST, MESSAGE, RAISED, RST, SERVER, TIMEOUT

__all__ = ["summarize"]


def summarize(trace) -> str:
    """The summary sentence(s) of ``trace`` (see the module docstring).

    Typical use::

        summarize(run.trace())   # 'Your server reset the connection (RST) after ...'
    """
    views = trace.connections
    if not views:
        return _("No connection yet.")
    datagrams = [view for view in views if view.transport == "udp"]
    if datagrams:
        return _udp(datagrams)
    view = views[-1]
    if view.transport == "ws":
        text = _websocket(view)
    elif trace.student == SERVER:
        text = _tcp_student_server(view)
    else:
        text = _tcp_student_client(view)
    if len(views) > 1:
        return _("Connection {number}: {summary}", number=view.number, summary=text)
    return text


def _tcp_student_client(view) -> str:
    """Our server recorded; the student wrote the client."""
    received, sent = view.bytes[CLIENT], view.bytes[SERVER]
    if view.count(RST, CLIENT):
        return _join(
            _("The connection was reset (RST) by the client after the server had received {count} bytes.", count=received),
            _("A client that closes with unread data, or with SO_LINGER 0, sends RST instead of FIN."),
        )
    if view.count(FIN, CLIENT):
        if sent:
            return _("The server received {received} bytes, sent {sent} bytes back, then the client closed.", received=received, sent=sent)
        return _("The server received {received} bytes, then the client closed.", received=received)
    closed = view.first(CLOSE)
    if closed is not None and closed.side == SERVER and closed.detail != "stopped":
        return _("The server sent {sent} bytes, then closed the connection.", sent=sent)
    return _("Your client sent {count} bytes and never half-closed; the server waited.", count=received)


def _tcp_student_server(view) -> str:
    """Our client (the harness) recorded; the student wrote the server."""
    sent, received = view.bytes[CLIENT], view.bytes[SERVER]
    waited = next((e for e in view.events if e.kind == TIMEOUT and e.side == CLIENT), None)
    if view.count(RST, SERVER):
        text = _(
            "Your server reset the connection (RST) after the client sent {count} bytes: did it close before reading them all?",
            count=sent,
        )
    elif waited is not None and received == 0:
        text = _("The client sent {count} bytes, then waited {seconds:g} s: your server sent nothing back.", count=sent, seconds=waited.detail or 0)
    elif waited is not None:
        text = _(
            "Your server sent {count} bytes but never closed the connection; the client waited {seconds:g} s for the end.",
            count=received,
            seconds=waited.detail or 0,
        )
    elif view.count(FIN, SERVER):
        text = _("The client sent {sent} bytes; your server sent {received} bytes back, then closed the connection.", sent=sent, received=received)
    elif view.count(TIMEOUT, SERVER):
        text = _("Your server did not finish in time.")
    else:
        text = _("The client sent {sent} bytes and received {received} bytes; the connection is still open.", sent=sent, received=received)
    raised = next((e for e in view.events if e.kind == RAISED), None)
    if raised is not None:
        text = _join(text, _("Your function {name}() raised {error}.", name=raised.detail[0], error=raised.detail[1]))
    return text


def _udp(views) -> str:
    total = sum(view.count(DATA, CLIENT) + view.count(LOST, CLIENT) for view in views)
    lost = sum(view.count(LOST, CLIENT) for view in views)
    if not lost:
        return _("All {count} datagrams came back.", count=total)
    retries = sum(_retries(view.events) for view in views)
    if retries:
        return _("{lost} of {total} datagrams were lost; the client sent {retries} of them again.", lost=lost, total=total, retries=retries)
    return _("{lost} of {total} datagrams were lost; the client sent no retry.", lost=lost, total=total)


def _retries(events) -> int:
    """Datagrams that repeat (same size and first bytes) one lost before them."""
    missing: list = []
    count = 0
    for event in events:
        if event.side != CLIENT or event.kind not in (DATA, LOST):
            continue
        key = (event.size, event.head)
        if key in missing:
            missing.remove(key)
            count += 1
        if event.kind == LOST:
            missing.append(key)
    return count


def _websocket(view) -> str:
    handshake = view.first(HANDSHAKE)
    path = handshake.detail if handshake is not None else "/"
    sent, received = view.count(MESSAGE, CLIENT), view.count(MESSAGE, SERVER)
    if sent == 0 and received:
        first = _("WebSocket handshake for {path} accepted (101); the server pushed {count} messages without being asked.", path=path, count=received)
    else:
        first = _("WebSocket handshake for {path} accepted (101); the client sent {sent} messages, the server sent {received}.", path=path, sent=sent, received=received)
    closed = view.first(CLOSE)
    if closed is not None and closed.side == CLIENT:
        second = _("Then the client closed the connection (code {code}).", code=closed.detail)
    elif closed is not None:
        second = _("Then the server closed the connection (code {code}).", code=closed.detail)
    elif view.first(GONE) is not None:
        second = _("Then the connection was lost without a close frame.")
    else:
        second = _("The connection is still open.")
    return _join(first, second)


def _join(first: str, second: str) -> str:
    """Two sentences; no space after a full-width full stop (zh-TW)."""
    return first + second if first.endswith(("。", "？", "！")) else f"{first} {second}"
