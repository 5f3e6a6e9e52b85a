"""The socket stepper: real sockets on loopback, one call per step, text and widget views."""

from __future__ import annotations

import socket

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.stepper import SocketStepper


@pytest.fixture
def stepper():
    walk = SocketStepper(timeout=5)
    yield walk
    walk.close()


def advance(walk: SocketStepper, count: int):
    """Make ``count`` steps and return the last one."""
    for _ in range(count):
        step = walk.next()
    return step


def test_addresses_appear_as_the_pair_is_built(stepper):
    """bind gives the server a port, connect gives the client one, accept mirrors them in conn."""
    first = stepper.next()
    assert first.code.startswith("server = socket.socket(")
    server = first.sockets[0]
    assert server.state == "open" and server.local == ("0.0.0.0", 0) and server.peer is None

    bound = advance(stepper, 2).sockets[0]  # bind, listen
    host, port = bound.local
    assert host == "127.0.0.1" and 0 < port < 65536

    connected = advance(stepper, 2)  # client socket, connect
    client = connected.sockets[1]
    assert client.peer == bound.local and client.local[1] not in (0, port)

    accepted = stepper.next()
    conn = accepted.sockets[2]
    assert conn.local == bound.local and conn.peer == client.local
    assert accepted.result == f"addr = {client.local!r}"
    assert accepted.sockets[0].peer is None  # the listening socket never gets a peer


def test_data_really_travels_between_the_sockets(stepper):
    """The send and recv steps carry b'hello' to the server and b'welcome' back."""
    steps = {step.code: step.result for step in stepper.steps()}
    assert steps["client.send(b'hello')"] == "5"
    assert steps["conn.recv(1024)"] == "b'hello'"
    assert steps["client.recv(1024)"] == "b'welcome'"


def test_the_listening_socket_is_real(stepper):
    """After listen, any client (not only the stepper's) can connect to the port it shows."""
    address = advance(stepper, 3).sockets[0].local
    with socket.create_connection(address, timeout=5) as outsider:
        assert outsider.getpeername() == address


def test_every_socket_has_a_timeout(stepper):
    """Server, client and accepted socket all carry the stepper's timeout, so no step can hang."""
    advance(stepper, 6)
    assert [stepper.sockets[name].gettimeout() for name in ("server", "client", "conn")] == [5.0, 5.0, 5.0]


def test_run_all_prints_every_step_and_leaves_everything_closed(capsys):
    """run_all() prints all 13 steps with getsockname/getpeername, then the port is closed and the stepper rewound."""
    walk = SocketStepper()
    walk.run_all()
    out = capsys.readouterr().out
    assert out.count("Step ") == walk.total == 13
    assert "Step 13 of 13: server.close()" in out
    assert "getsockname() ('127.0.0.1', " in out and "getpeername() ('127.0.0.1', " in out
    assert walk.position == 0 and all(sock is None for sock in walk.sockets.values())


def test_closing_frees_the_port(stepper):
    """close() in the middle of a walk closes the listening socket: its port refuses connections."""
    address = advance(stepper, 6).sockets[0].local
    opened = [stepper.sockets[name] for name in ("server", "client", "conn")]
    stepper.close()
    assert all(sock.fileno() == -1 for sock in opened)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=5).close()


def test_a_failing_call_closes_everything_and_raises(stepper):
    """If a call fails (here: the server vanished before connect), the error is raised and the stepper starts over."""
    advance(stepper, 4)
    victim = stepper.sockets["client"]
    stepper.sockets["server"].close()
    with pytest.raises(OSError):
        stepper.next()
    assert victim.fileno() == -1 and stepper.position == 0


def test_text_fallback_lists_the_calls_and_is_stable():
    """The text form lists all 13 calls and is the same for every stepper."""
    text = SocketStepper().text()
    assert text == SocketStepper().text()
    assert " 1. server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)" in text
    assert "13. server.close()" in text
    bundle = SocketStepper()._repr_mimebundle_()
    assert bundle["text/plain"] == text and "application/vnd.jupyter.widget-view+json" in bundle


def test_next_button_walks_the_pair_and_start_over_rewinds(stepper):
    """Each Next click makes one call and shows the socket table; at the end Next is disabled; Start over rewinds."""
    stepper.widget()
    stepper._next_button.click()
    assert "Step 1 of 13" in stepper._view_html.value and "getsockname()" in stepper._view_html.value
    for _ in range(12):
        stepper._next_button.click()
    assert "Step 13 of 13" in stepper._view_html.value
    assert stepper._next_button.disabled and "every socket is closed" in stepper._history.value
    assert all(sock is None for sock in stepper.sockets.values())
    stepper._next_button.click()  # a stray click at the end does nothing
    stepper._reset_button.click()
    assert not stepper._next_button.disabled and stepper.position == 0
    stepper._next_button.click()
    assert stepper.position == 1


def test_widget_shows_an_error_instead_of_raising(stepper):
    """A failing call during a click is shown in the widget with a hint, and the stepper starts over."""
    stepper.widget()
    for _ in range(4):
        stepper._next_button.click()
    stepper.sockets["server"].close()
    stepper._next_button.click()
    assert "Connection" in stepper._view_html.value or "Error" in stepper._view_html.value
    assert stepper.position == 0


def test_rerunning_the_cell_closes_the_previous_stepper():
    """In a real kernel, running the same cell again closes the sockets of the stepper it made before."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("made = []"),
        nbformat.v4.new_code_cell(
            "from helpers.stepper import SocketStepper\n"
            "walk = SocketStepper()\n"
            "for _ in range(3):\n"
            "    walk.next()\n"
            "made.append((walk, walk.sockets['server']))"
        ),
        nbformat.v4.new_code_cell(
            "(old, old_server), (new, new_server) = made\n"
            "assert old_server.fileno() == -1 and old.position == 0, 'old stepper still open'\n"
            "assert new_server.fileno() != -1 and new.position == 3, 'new stepper was closed'\n"
            "new.close()"
        ),
    ]
    client = NotebookClient(notebook, timeout=30, kernel_name="python3")
    with client.setup_kernel():
        client.execute_cell(notebook.cells[0], 0)
        client.execute_cell(notebook.cells[1], 1)
        client.execute_cell(notebook.cells[1], 1)
        client.execute_cell(notebook.cells[2], 2)
