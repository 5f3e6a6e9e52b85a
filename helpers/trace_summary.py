"""What a trace means, in one or two sentences a student understands.

A small set of patterns, checked in order: for TCP a client that sends without
reading (the server's send times out: a deadlock), a reset (RST), a timeout,
a clean end (FIN), a server that closed first, and a client that never
half-closed (with a note on the client's lifeline when a failed test saw the
student's client give up: ``helpers.failure_trace``); for UDP how many datagrams were lost and whether the client sent
them again; for WebSockets the handshake, the messages each way and how the
connection ended. The newest connection of the trace is the one described
(UDP: every client address of the trace together).

Typical use::

    summarize(srv.trace())   # 'The server received 5 bytes, sent 5 bytes back, then the client closed.'
"""

from __future__ import annotations

from .messages import _, ngettext
from .timeline import CLIENT, CLOSE, DATA, FIN, GONE, HANDSHAKE, LOST, MESSAGE, RAISED, RST, SERVER, TIMEOUT
from .trace import byte_count

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
    server_gave_up = _timeout_before_client_fin(view, SERVER)
    if server_gave_up is not None and server_gave_up.size:
        # The server's own send timed out before the client half-closed: the client was not reading.
        return ngettext(
            "Your client sent {count} byte without reading the replies. They piled up unread until the "
            "buffers were full; then neither side could send, and the server gave up after {seconds:g} s. "
            "Read while you send: send from a thread, or call recv() between sends.",
            "Your client sent {count} bytes without reading the replies. They piled up unread until the "
            "buffers were full; then neither side could send, and the server gave up after {seconds:g} s. "
            "Read while you send: send from a thread, or call recv() between sends.",
            received, count=received, seconds=server_gave_up.detail or 0,
        )
    if server_gave_up is not None:  # a receive timed out: the server was still waiting for data
        return ngettext(
            "Your client sent {count} byte and never half-closed: the server waited for more data "
            "until it gave up after {seconds:g} s.",
            "Your client sent {count} bytes and never half-closed: the server waited for more data "
            "until it gave up after {seconds:g} s.",
            received, count=received, seconds=server_gave_up.detail or 0,
        )
    gave_up = _timeout_before_client_fin(view, CLIENT)
    if gave_up is not None:
        # The failed test saw the client's TimeoutError before any FIN of the client: it never half-closed.
        return ngettext(
            "Your client sent {count} byte and never half-closed: the server kept waiting for more data "
            "while your client waited for the end, until it gave up after {seconds:g} s.",
            "Your client sent {count} bytes and never half-closed: the server kept waiting for more data "
            "while your client waited for the end, until it gave up after {seconds:g} s.",
            received, count=received, seconds=gave_up.detail or 0,
        )
    if view.count(RST, CLIENT):
        return _join(
            ngettext(
                "The connection was reset (RST) by the client after the server had received {count} byte.",
                "The connection was reset (RST) by the client after the server had received {count} bytes.",
                received, count=received,
            ),
            _("A client that closes with unread data, or with SO_LINGER 0, sends RST instead of FIN."),
        )
    if view.count(FIN, CLIENT):
        if sent:
            return _("The server received {received}, sent {sent} back, then the client closed.", received=byte_count(received), sent=byte_count(sent))
        return ngettext(
            "The server received {received} byte, then the client closed.",
            "The server received {received} bytes, then the client closed.",
            received, received=received,
        )
    closed = view.first(CLOSE)
    if closed is not None and closed.side == SERVER and closed.detail != "stopped":
        return ngettext("The server sent {sent} byte, then closed the connection.", "The server sent {sent} bytes, then closed the connection.", sent, sent=sent)
    return ngettext(
        "Your client sent {count} byte and never half-closed; the server waited.",
        "Your client sent {count} bytes and never half-closed; the server waited.",
        received, count=received,
    )


def _timeout_before_client_fin(view, side):
    """The first TIMEOUT of ``side`` if the client had not half-closed before it, else None.

    The server's: its size tells a send that timed out (the client was not reading) from a receive.
    The client's: the note a failed test's TimeoutError puts on its lifeline.
    """
    for event in view.events:
        if event.side == CLIENT and event.kind == FIN:
            return None
        if event.side == side and event.kind == TIMEOUT:
            return event
    return None


def _tcp_student_server(view) -> str:
    """Our client (the harness) recorded; the student wrote the server."""
    sent, received = view.bytes[CLIENT], view.bytes[SERVER]
    waited = next((e for e in view.events if e.kind == TIMEOUT and e.side == CLIENT), None)
    if view.count(RST, SERVER):
        text = ngettext(
            "Your server reset the connection (RST) after the client sent {count} byte: did it close before reading it?",
            "Your server reset the connection (RST) after the client sent {count} bytes: did it close before reading them all?",
            sent, count=sent,
        )
    elif waited is not None and received == 0:
        text = ngettext(
            "The client sent {count} byte, then waited {seconds:g} s: your server sent nothing back.",
            "The client sent {count} bytes, then waited {seconds:g} s: your server sent nothing back.",
            sent, count=sent, seconds=waited.detail or 0,
        )
    elif waited is not None:
        text = ngettext(
            "Your server sent {count} byte but never closed the connection; the client waited {seconds:g} s for the end.",
            "Your server sent {count} bytes but never closed the connection; the client waited {seconds:g} s for the end.",
            received, count=received, seconds=waited.detail or 0,
        )
    elif view.count(FIN, SERVER):
        text = _("The client sent {sent}; your server sent {received} back, then closed the connection.", sent=byte_count(sent), received=byte_count(received))
    elif view.count(TIMEOUT, SERVER):
        text = _("Your server did not finish in time.")
    else:
        text = _("The client sent {sent} and received {received}; the connection is still open.", sent=byte_count(sent), received=byte_count(received))
    raised = next((e for e in view.events if e.kind == RAISED), None)
    if raised is not None:
        text = _join(text, _("Your function {name}() raised {error}.", name=raised.detail[0], error=raised.detail[1]))
    return text


def _udp(views) -> str:
    total = sum(view.count(DATA, CLIENT) + view.count(LOST, CLIENT) for view in views)
    lost = sum(view.count(LOST, CLIENT) for view in views)
    if not lost:
        if total == 1:
            return _("The datagram came back.")
        return _("All {count} datagrams came back.", count=total)
    retries = sum(_retries(view.events) for view in views)
    if retries:
        return ngettext(
            "{lost} of {total} datagrams was lost; the client sent {retries} of them again.",
            "{lost} of {total} datagrams were lost; the client sent {retries} of them again.",
            lost, lost=lost, total=total, retries=retries,
        )
    return ngettext(
        "{lost} of {total} datagrams was lost; the client sent no retry.",
        "{lost} of {total} datagrams were lost; the client sent no retry.",
        lost, lost=lost, total=total,
    )


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
        first = ngettext(
            "WebSocket handshake for {path} accepted (101); the server pushed {count} message without being asked.",
            "WebSocket handshake for {path} accepted (101); the server pushed {count} messages without being asked.",
            received, path=path, count=received,
        )
    else:
        first = _(
            "WebSocket handshake for {path} accepted (101); the client sent {sent}, the server sent {received}.",
            path=path, sent=_message_count(sent), received=_message_count(received),
        )
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


def _message_count(n: int) -> str:
    return ngettext("{count} message", "{count} messages", n, count=n)


def _join(first: str, second: str) -> str:
    """Two sentences; no space after a full-width full stop (zh-TW)."""
    return first + second if first.endswith(("。", "？", "！")) else f"{first} {second}"
