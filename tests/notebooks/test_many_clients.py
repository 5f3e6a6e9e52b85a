"""Lesson 09's single-thread ``selectors`` server, run from the lesson itself against demanding clients.

The lesson's cells up to the one that defines ``serve_with_selectors`` run in a
real kernel; a test cell appended after them then talks to that server:
16 MB echoed to a slow reader through full socket buffers, a client that never reads, and
a client served meanwhile.

Typical use::

    .venv/bin/python -m pytest tests/notebooks/test_many_clients.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
EDITIONS = sorted(path.name for path in (ROOT / "notebooks").iterdir() if path.is_dir() and path.name != "web")
SELECTORS_CELL = "mc-14"

#: Appended after the lesson's cells; prints one line per check.
CHECKS = '''
import socket
import threading
import time

def echo_of(address, payload, pause=0.0):
    """Send payload from a thread while reading; a slow reader (pause after the first chunk) fills the server's buffers."""
    with socket.socket() as sock:
        sock.settimeout(10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)  # a small window: the server's send buffer fills
        sock.connect(address)
        sender = threading.Thread(target=lambda: (sock.sendall(payload), sock.shutdown(socket.SHUT_WR)), daemon=True)
        sender.start()
        chunks = [sock.recv(65536)]
        time.sleep(pause)  # a slow reader, on purpose (not a wait for readiness)
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        sender.join(10)
        return b"".join(chunks)

big = bytes(range(256)) * 65536   # 16 MB: far more than the socket buffers hold
with ServerThread(serve_with_selectors) as server:
    print("big echo intact:", echo_of(server.address, big, pause=0.5) == big)
    with socket.create_connection(server.address, timeout=10) as lazy:
        lazy.setblocking(False)
        pushed = 0
        try:
            while pushed < 2 * len(big):            # it never reads: the server must stop reading it
                pushed += lazy.send(big)
        except BlockingIOError:
            pass
        print("lazy client blocked before 32 MB:", pushed < 2 * len(big))
        print("other client served meanwhile:", echo_of(server.address, b"hello") == b"hello")
'''


def run_until_selectors(lang: str) -> str:
    """Run lesson 09 of ``lang`` up to its selectors cell, then the checks; return the checks' output."""
    [path] = (ROOT / "notebooks" / lang).glob("09-*.ipynb")
    notebook = nbformat.read(path, as_version=4)
    ids = [cell.get("id") for cell in notebook.cells]
    notebook.cells = notebook.cells[: ids.index(SELECTORS_CELL) + 1] + [nbformat.v4.new_code_cell(CHECKS)]
    client = NotebookClient(notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return "".join(out.get("text", "") for out in notebook.cells[-1].outputs if out.output_type == "stream")


@pytest.mark.parametrize("lang", EDITIONS)
def test_selectors_server_copes_with_full_buffers(lang):
    """The lesson's selectors server echoes 16 MB to a slow reader intact, stops reading a client that never reads, and serves others."""
    printed = run_until_selectors(lang)
    assert printed.splitlines() == [
        "big echo intact: True",
        "lazy client blocked before 32 MB: True",
        "other client served meanwhile: True",
    ]
