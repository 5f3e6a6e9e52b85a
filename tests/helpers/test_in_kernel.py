"""The helpers inside a real Jupyter kernel, executed with nbclient."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook


def run_cells(tmp_path, sources: list[str], repeat: dict[int, int] | None = None) -> list:
    """Execute the cells (cell i ``repeat[i]`` times) in one kernel; return the notebook's cells."""
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    client = NotebookClient(notebook, timeout=30, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            for _ in range((repeat or {}).get(index, 1)):
                client.execute_cell(cell, index)
    return notebook.cells


def text_of(cell) -> str:
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "".join(parts)


def test_notebook_using_helpers_runs_under_nbclient(tmp_path):
    """A notebook with setup(), a TCP echo and a top-level-await WebSocket client executes cleanly."""
    cells = run_cells(
        tmp_path,
        [
            "import socket\nimport helpers\nhelpers.setup(lang='en')",
            "srv = helpers.echo_server()\n"
            "with socket.create_connection(srv.address) as s:\n"
            "    s.sendall(b'hi'); print(s.recv(10))",
            "from websockets.asyncio.client import connect\n"
            "clock = helpers.ws_time_server(interval=0.05)\n"
            "async with connect(clock.url) as ws:\n"
            "    stamps = [await ws.recv() for _ in range(3)]\n"
            "print(len(stamps), all(s.endswith('+00:00') for s in stamps))",
            "print(helpers.stop_all())",
        ],
    )
    assert "socket timeout 10 s" in text_of(cells[0])
    assert text_of(cells[1]).strip() == "b'hi'"
    assert text_of(cells[2]).strip() == "3 True"
    assert text_of(cells[3]).strip() == "2"


def test_rerunning_a_cell_replaces_its_server(tmp_path):
    """Running a server-creating cell five times leaves one server and no extra threads."""
    cells = run_cells(
        tmp_path,
        [
            "import threading, helpers\nhelpers.setup()\nbefore = threading.active_count()",
            "srv = helpers.echo_server()",
            "print(len(helpers.running_servers()), threading.active_count() - before)",
        ],
        repeat={1: 5},
    )
    assert text_of(cells[2]).strip() == "1 1"


def test_loop_in_one_cell_keeps_all_its_servers(tmp_path):
    """Several servers created by one run of one cell (a loop) all keep running."""
    cells = run_cells(
        tmp_path,
        [
            "import helpers\nhelpers.setup()",
            "servers = [helpers.echo_server() for _ in range(3)]",
            "print(sum(s.running for s in servers))",
        ],
    )
    assert text_of(cells[2]).strip() == "3"


def test_server_threads_never_print_into_cells(tmp_path):
    """A failing handler and a vanishing client produce no output in any later cell."""
    cells = run_cells(
        tmp_path,
        [
            "import socket, helpers\nhelpers.setup()\n"
            "from helpers.ws import WebSocketServer\n"
            "def broken(ws):\n    raise RuntimeError('boom')\n"
            "bad = WebSocketServer(broken)\n"
            "from websockets.sync.client import connect\n"
            "try:\n    with connect(bad.url) as ws:\n        ws.recv(timeout=2)\nexcept Exception:\n    pass",
            "echo = helpers.echo_server()\ns = socket.create_connection(echo.address)\ns.sendall(b'x' * 100000)\ns.close()",
            "x = 1",
            "print(len(bad.errors))",
        ],
    )
    assert [text_of(cell) for cell in cells[:3]] == ["", "", ""]
    assert text_of(cells[3]).strip() == "1"
