"""Draw a ``Trace`` as a sequence diagram, written as SVG text (no dependency).

Each connection is a panel with a client and a server lifeline and one row
per event, top to bottom in the order of events: an arrow from the side that
acted (data, FIN dashed, RST red with a cross, a lost datagram ending in an X
midway) or a note on that side's lifeline (timeout, connection lost, the
student's function returning or raising). The time is on the left.

The geometry depends only on the number and kinds of events, never on their
times or label lengths, so a stored notebook output stays the same from run to
run once times and ports are sanitised. No ``id`` attributes and no markers:
several diagrams in one page cannot clash.

Typical use::

    svg_text = render(srv.trace())   # what srv.trace() shows in JupyterLab
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .timeline import CLIENT, CLOSE, FIN, LOST, RST, SERVER
from .trace import ARROW_KINDS, earlier_connections, earlier_events, event_label, format_time

__all__ = ["render", "FONT_FAMILY", "WIDTH", "ROW"]

#: CJK fonts in the list, so the zh-TW labels render (as helpers.plot_fonts does for plots).
FONT_FAMILY = "DejaVu Sans, Noto Sans CJK TC, PingFang TC, Microsoft JhengHei, sans-serif"
WIDTH = 680
ROW = 30
TIME_X = 74
CLIENT_X = 170
SERVER_X = 560
MIDDLE_X = (CLIENT_X + SERVER_X) // 2
HEAD_TOP = 26
HEAD_HEIGHT = 34
FIRST_ROW = HEAD_TOP + HEAD_HEIGHT + 24
SUMMARY_LINE = 16
#: Summary lines are wrapped at this many "columns" (a CJK character counts as two).
WRAP = 96

_COLOURS = {CLIENT: "#1f5fa8", SERVER: "#2e7d32"}
_RED = "#c62828"
_ORANGE = "#e65100"
_NOTE_FILL = {"timeout": "#f9a825", "gone": "#757575", "returned": "#2e7d32", "raised": _RED}


def _text(x, y, content, cls, anchor="middle", **style) -> str:
    extra = "".join(f" {name.replace('_', '-')}={quoteattr(str(value))}" for name, value in style.items())
    return f'<text class="{cls}" x="{x}" y="{y}" text-anchor="{anchor}"{extra}>{escape(content)}</text>'


def _arrow(event, y: int, label: str) -> list[str]:
    start, end = (CLIENT_X, SERVER_X) if event.side == CLIENT else (SERVER_X, CLIENT_X)
    direction = 1 if end > start else -1
    colour = _COLOURS[event.side]
    dash = ""
    width = 1.5
    if event.kind in (FIN, CLOSE):
        dash = ' stroke-dasharray="6 4"'
    if event.kind == RST:
        colour, width = _RED, 2.5
    label_x = (start + MIDDLE_X) // 2 if event.kind == LOST else MIDDLE_X  # clear of the X
    parts = [_text(label_x, y - 6, label, "label", fill=colour if event.kind == RST else "#222")]
    if event.kind == LOST:
        # The datagram never arrives: the line stops midway, at an X.
        parts.append(f'<line class="arrow" x1="{start}" y1="{y}" x2="{MIDDLE_X}" y2="{y}" stroke="{_ORANGE}" stroke-width="{width}"/>')
        parts.append(
            f'<path class="lost-mark" d="M{MIDDLE_X - 6} {y - 6} L{MIDDLE_X + 6} {y + 6} M{MIDDLE_X - 6} {y + 6} L{MIDDLE_X + 6} {y - 6}"'
            f' stroke="{_ORANGE}" stroke-width="2.5"/>'
        )
        return parts
    parts.append(f'<line class="arrow" x1="{start}" y1="{y}" x2="{end - 9 * direction}" y2="{y}" stroke="{colour}" stroke-width="{width}"{dash}/>')
    parts.append(
        f'<polygon class="head" points="{end},{y} {end - 10 * direction},{y - 5} {end - 10 * direction},{y + 5}" fill="{colour}"/>'
    )
    if event.kind == RST:
        cx = end - 22 * direction
        parts.append(
            f'<path class="cross" d="M{cx - 6} {y - 6} L{cx + 6} {y + 6} M{cx - 6} {y + 6} L{cx + 6} {y - 6}" stroke="{_RED}" stroke-width="2.5"/>'
        )
    return parts


def _note(event, y: int, label: str) -> list[str]:
    x = CLIENT_X if event.side == CLIENT else SERVER_X
    fill = _NOTE_FILL.get(event.kind, "#757575")
    anchor, text_x = ("start", x + 10) if event.side == CLIENT else ("end", x - 10)
    return [
        f'<circle class="note-mark" cx="{x}" cy="{y}" r="5" fill="{fill}"/>',
        _text(text_x, y + 4, label, "label note", anchor=anchor, fill=fill if event.kind == "raised" else "#222"),
    ]


def _wrap(text: str, width: int = WRAP) -> list[str]:
    """Split ``text`` into lines of at most ``width`` columns (CJK characters count double)."""
    lines, line, used = [], "", 0
    for word in _words(text):
        cost = sum(2 if ord(ch) > 0x2E7F else 1 for ch in word)
        if line and used + cost > width:
            lines.append(line.rstrip())
            line, used = word.lstrip(), cost
        else:
            line, used = line + word, used + cost
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _words(text: str):
    """Words with their leading space; each CJK character is a word of its own."""
    word = ""
    for ch in text:
        if ord(ch) > 0x2E7F:
            if word:
                yield word
            yield ch
            word = ""
        elif ch == " " and word.strip():
            yield word
            word = ch
        else:
            word += ch
    if word:
        yield word


def _panel(trace, view, top: int) -> tuple[list[str], int]:
    (client_name, client_address), (server_name, server_address) = trace.lifelines(view)
    rows = len(view.events)
    bottom = top + FIRST_ROW + rows * ROW
    parts = [f'<g class="connection" data-number="{view.number}" data-transport="{view.transport}">']
    parts.append(_text(10, top + 16, trace.heading(view), "heading", anchor="start", font_weight="bold"))
    if view.dropped:
        parts.append(_text(WIDTH - 10, top + 16, _dropped_events(view.dropped), "dropped", anchor="end", fill="#757575"))
    for side, x, name, address in ((CLIENT, CLIENT_X, client_name, client_address), (SERVER, SERVER_X, server_name, server_address)):
        parts.append(f'<g class="lifeline {side}">')
        parts.append(f'<rect x="{x - 95}" y="{top + HEAD_TOP}" width="190" height="{HEAD_HEIGHT}" rx="4" fill="#f4f6f8" stroke="{_COLOURS[side]}"/>')
        parts.append(_text(x, top + HEAD_TOP + 14, name, "name", font_weight="bold"))
        parts.append(_text(x, top + HEAD_TOP + 28, address, "address"))
        parts.append(f'<line class="lifeline-line" x1="{x}" y1="{top + HEAD_TOP + HEAD_HEIGHT}" x2="{x}" y2="{bottom}" stroke="#9e9e9e" stroke-dasharray="2 3"/>')
        parts.append("</g>")
    for index, event in enumerate(view.events):
        y = top + FIRST_ROW + index * ROW
        label = event_label(event, view.transport)
        parts.append(f'<g class="event {event.kind}" data-kind="{event.kind}" data-side="{event.side}" data-index="{index}">')
        if trace.times:
            parts.append(_text(TIME_X, y + 4, format_time(event.time), "time", anchor="end", fill="#616161", font_size="11"))
        parts.extend(_arrow(event, y, label) if event.kind in ARROW_KINDS else _note(event, y, label))
        parts.append("</g>")
    parts.append("</g>")
    return parts, bottom + 8


def _dropped_events(count: int) -> str:
    return earlier_events(count)


def render(trace) -> str:
    """The SVG text of ``trace``'s sequence diagram.

    Typical use::

        from xml.etree import ElementTree
        root = ElementTree.fromstring(render(srv.trace()))
    """
    from .messages import _

    parts: list[str] = []
    y = 4
    if trace.not_shown:
        parts.append(_text(10, y + 14, earlier_connections(trace.not_shown), "dropped", anchor="start", fill="#757575"))
        y += 22
    if not trace.connections:
        parts.append(_text(10, y + 14, _("(no connections yet)"), "empty", anchor="start"))
        y += 22
    for view in trace.connections:
        panel, y = _panel(trace, view, y)
        parts.extend(panel)
    lines = _wrap(trace.summary())
    parts.append('<text class="summary" x="10" y="0" fill="#222">')
    for number, line in enumerate(lines):
        parts.append(f'<tspan x="10" y="{y + 14 + number * SUMMARY_LINE}">{escape(line)}</tspan>')
    parts.append("</text>")
    height = y + 14 + len(lines) * SUMMARY_LINE
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sequence-diagram" width="{WIDTH}" height="{height}"'
        f' viewBox="0 0 {WIDTH} {height}" font-family="{FONT_FAMILY}" font-size="12">'
        f'<rect class="background" x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>'
    )
    return head + "".join(parts) + "</svg>"
