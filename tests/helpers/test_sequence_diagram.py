"""The drawn sequence diagram: lifelines, one row per event, labels, distinct FIN / RST / lost styles."""

from __future__ import annotations

import re
import socket
import struct
from xml.etree import ElementTree

import helpers
from helpers import sequence_diagram
from helpers.messages import set_language
from helpers.timeline import CLIENT, SERVER, Timeline
from helpers.trace import Trace

TIMEOUT = 5
NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(trace):
    """The diagram's root element (it must be well-formed XML)."""
    return ElementTree.fromstring(trace._repr_svg_())


def event_groups(root):
    return [g for g in root.iter(f"{{{NS['svg']}}}g") if g.get("class", "").startswith("event ")]


def texts(element, cls):
    return ["".join(t.itertext()) for t in element.iter(f"{{{NS['svg']}}}text") if cls in t.get("class", "").split()]


def child(group, tag, cls):
    return [e for e in group.iter(f"{{{NS['svg']}}}{tag}") if cls in e.get("class", "").split()]


def echo_trace(linger_zero=False):
    with helpers.echo_server() as srv:
        conn = socket.create_connection(srv.address, timeout=TIMEOUT)
        conn.sendall(b"hello")
        assert conn.recv(16) == b"hello"
        if linger_zero:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            conn.shutdown(socket.SHUT_WR)
            assert conn.recv(16) == b""
        conn.close()
    return srv


def test_clean_echo_diagram_has_lifelines_arrows_and_labels():
    """A clean echo draws a client and a server lifeline with addresses and one labelled arrow per event."""
    srv = echo_trace()
    trace = srv.trace()
    root = parse(trace)
    lifelines = [g for g in root.iter(f"{{{NS['svg']}}}g") if g.get("class", "").startswith("lifeline ")]
    assert [g.get("class") for g in lifelines] == ["lifeline client", "lifeline server"]
    assert texts(lifelines[0], "name") == ["client"] and texts(lifelines[1], "name") == ["echo server"]
    assert re.fullmatch(r"127\.0\.0\.1:\d+", texts(lifelines[0], "address")[0])
    groups = event_groups(root)
    assert [g.get("data-kind") for g in groups] == [e.kind for e in trace.events]
    assert [texts(g, "label")[0] for g in groups] == ["connect (SYN, SYN-ACK, ACK)", "5 bytes b'hello'", "5 bytes b'hello'", "FIN (no more data)", "close (FIN)"]
    for group, event in zip(groups, trace.events):
        line = child(group, "line", "arrow")[0]
        assert float(line.get("x2")) > float(line.get("x1")) if event.side == CLIENT else float(line.get("x2")) < float(line.get("x1"))
    fin = child(groups[3], "line", "arrow")[0]
    assert fin.get("stroke-dasharray") and not child(groups[1], "line", "arrow")[0].get("stroke-dasharray")
    assert all(re.fullmatch(r"\+\d+\.\d\d ms", t) for t in texts(root, "time"))
    assert texts(root, "summary") == ["The server received 5 bytes, sent 5 bytes back, then the client closed."]
    assert "Noto Sans CJK TC" in root.get("font-family")


def test_rst_is_red_with_a_cross():
    """An RST arrow is red and carries a cross; a FIN has none."""
    trace = echo_trace(linger_zero=True).trace()
    groups = event_groups(parse(trace))
    rst = groups[-1]
    assert rst.get("data-kind") == "rst" and rst.get("data-side") == CLIENT
    assert child(rst, "path", "cross") and child(rst, "line", "arrow")[0].get("stroke") == "#c62828"
    assert texts(rst, "label") == ["RST (connection reset)"]
    assert not any(child(g, "path", "cross") for g in groups[:-1])


def test_lost_datagram_stops_midway_at_an_x():
    """A lost datagram's arrow ends midway at an X and has no arrowhead; echoed ones reach the other lifeline."""
    with helpers.udp_echo_server(loss=0.5, seed=7) as srv:  # seed 7: the first two datagrams are lost, the third comes back
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(TIMEOUT)
            for payload in (b"a", b"b", b"c"):
                sock.sendto(payload, srv.address)
            assert sock.recvfrom(16)[0] == b"c"
    groups = event_groups(parse(srv.trace()))
    assert [g.get("data-kind") for g in groups] == ["lost", "lost", "data", "data"]
    for lost in groups[:2]:
        assert child(lost, "path", "lost-mark") and not child(lost, "polygon", "head")
        assert float(child(lost, "line", "arrow")[0].get("x2")) == sequence_diagram.MIDDLE_X
    assert texts(groups[0], "label") == ["lost: 1 byte b'a'"]
    assert child(groups[2], "polygon", "head")
    assert float(child(groups[2], "line", "arrow")[0].get("x2")) > sequence_diagram.MIDDLE_X


def test_harness_notes_show_the_timeout_and_the_function_end():
    """Timeouts and the student's function ending are notes on a lifeline, not arrows."""
    def silent(conn):
        conn.recv(16)

    with helpers.run_server(silent, mode="connection", deadline=0.3) as run:
        client = run.connect()
        client.sendall(b"x")
        client.settimeout(0.2)
        run.result()  # returned: the harness's `with conn` closes its side
        client.close()
    groups = event_groups(parse(run.trace()))
    notes = [g for g in groups if g.get("data-kind") == "returned"]
    assert len(notes) == 1 and child(notes[0], "circle", "note-mark") and not child(notes[0], "line", "arrow")
    assert texts(notes[0], "label") == ["silent() returned"]


def test_layout_depends_only_on_the_order_of_events():
    """Two timelines with the same events at other times give the same SVG without times, and once times are sanitised."""
    def made(delay):
        timeline = Timeline()
        record = timeline.open("127.0.0.1:5000")
        record.add("connect", CLIENT)
        record.add("data", CLIENT, 3, b"abc")
        timeline.start -= delay  # later "times"
        record._start = timeline.start
        record.add("data", SERVER, 3, b"abc")
        record.add("fin", CLIENT)
        return lambda times: Trace.from_timeline(
            timeline, times=times, server_label="echo server", server_address=("127.0.0.1", 6000), student=CLIENT
        ).svg()

    first, second = made(0.0), made(12.5)
    assert first(False) == second(False)
    assert "ms" not in first(False)
    sanitise = lambda text: re.sub(r"\d+(\.\d+)? ?(ms|µs|s)\b", "DURATION", text)
    assert first(True) != second(True) and sanitise(first(True)) == sanitise(second(True))


def test_text_form_matches_the_diagram():
    """print(trace) lists the same events one per line, with arrows and labels, then the summary."""
    trace = echo_trace().trace(times=False)
    lines = trace.text().splitlines()
    assert re.fullmatch(r"connection 1: client 127\.0\.0\.1:\d+ ↔ echo server 127\.0\.0\.1:\d+", lines[0])
    assert lines[1].split() == ["client", "→", "server", "connect", "(SYN,", "SYN-ACK,", "ACK)"]
    assert lines[2].strip().endswith("5 bytes b'hello'") and "server → client" in lines[3]
    assert len(lines) == 1 + len(trace.events) + 1
    assert lines[-1] == trace.summary()
    assert repr(trace) == trace.text()


def test_diagram_labels_are_translated():
    """In zh-TW the lifelines, labels and summary come from the catalog, XML-escaped and well-formed."""
    srv = echo_trace()
    set_language("zh-TW")
    root = parse(srv.trace())
    assert "用戶端" in texts(root, "name") and "echo 伺服器" in texts(root, "name")
    labels = [texts(g, "label")[0] for g in event_groups(root)]
    assert labels[1] == "5 位元組 b'hello'" and labels[3] == "FIN（沒有更多資料）"
    assert texts(root, "summary")[0].startswith("伺服器收到 5 位元組")
    set_language("fr")
    assert "FIN (plus de données)" in [texts(g, "label")[0] for g in event_groups(parse(srv.trace()))]


def test_payload_preview_is_short_and_escaped():
    """Labels show at most 16 bytes repr-style with an ellipsis, and markup in a payload stays text."""
    with helpers.echo_server() as srv:
        with socket.create_connection(srv.address, timeout=TIMEOUT) as conn:
            conn.sendall(b"<b>&</b>" * 10)
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(1024):
                pass
    svg = srv.trace()._repr_svg_()
    label = texts(event_groups(ElementTree.fromstring(svg))[1], "label")[0]
    assert label == "80 bytes b'<b>&</b><b>&</b>'…"
    assert "&lt;b&gt;&amp;" in svg
