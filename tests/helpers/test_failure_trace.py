"""helpers.show_exchange_on_failure: a failed check shows the student's own exchange, and nothing else changes."""

from __future__ import annotations

import socket
import nbclient
import nbformat
import pytest

import helpers
from helpers.failure_trace import EXCHANGE_METADATA
from helpers.messages import set_language
from helpers.trace import byte_count


def no_half_close_roundtrip(address, data, timeout=0.5):
    """An echo client that never calls shutdown(SHUT_WR): it waits for an end that never comes."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
        return b"".join(chunks)


def good_roundtrip(address, data, timeout=2.0):
    """An echo client that half-closes, then reads until the server closes."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
        return b"".join(chunks)


def udp_without_retry(address, payload, timeout=0.2):
    """A UDP client that sends once and gives up at the first timeout."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(payload, address)
        try:
            return sock.recvfrom(65536)[0]
        except TimeoutError:
            return None


def test_failure_keeps_the_error_and_adds_the_summary(capsys):
    """A client that never half-closes: the TimeoutError keeps its type and message and gains the summary note."""
    with helpers.echo_server() as server:
        with pytest.raises(TimeoutError) as caught:
            with helpers.show_exchange_on_failure(server):
                no_half_close_roundtrip(server.address, b"ping")
    assert str(caught.value) == "timed out"
    (note,) = caught.value.__notes__
    assert note.startswith("The exchange (shown above): Your client sent 4 bytes and never half-closed")
    printed = capsys.readouterr().out  # outside IPython the picture is its text form
    assert "4 bytes b'ping'" in printed and "timeout after" in printed
    assert "FIN (no more data)" not in printed.split("timeout after", 1)[0]  # no FIN before the client gave up


def test_success_shows_nothing(capsys):
    """When every check passes, nothing is printed and nothing is raised."""
    with helpers.echo_server() as server:
        with helpers.show_exchange_on_failure(server):
            assert good_roundtrip(server.address, b"ping") == b"ping"
    assert capsys.readouterr().out == ""


def test_only_the_blocks_own_connections_are_drawn(capsys):
    """Connections made before the block (an earlier test, maybe a hidden one) never appear in the picture."""
    with helpers.echo_server() as server:
        good_roundtrip(server.address, b"earlier secret")
        with pytest.raises(AssertionError):
            with helpers.show_exchange_on_failure(server):
                assert good_roundtrip(server.address, b"mine") == b"other"
    printed = capsys.readouterr().out
    assert "b'mine'" in printed
    assert "secret" not in printed and "connection 1:" not in printed


def test_a_broken_trace_never_hides_the_students_error(capsys):
    """If drawing fails, the student's own error still comes out unchanged, without a note."""

    class Broken:
        timeline = None  # not a traced source

        def trace(self, **_options):
            raise RuntimeError("drawing broke")

    with pytest.raises(ValueError, match="the student's own") as caught:
        with helpers.show_exchange_on_failure(Broken()):
            raise ValueError("the student's own")
    assert not getattr(caught.value, "__notes__", None)
    assert "drawing broke" not in capsys.readouterr().out


def test_udp_loss_without_retry_is_explained():
    """A UDP client that never retries, against a server losing its datagram: the note says no retry was sent."""
    with helpers.udp_echo_server(loss=1.0) as server:
        with pytest.raises(AssertionError) as caught:
            with helpers.show_exchange_on_failure(server):
                assert udp_without_retry(server.address, b"anyone?") == b"anyone?"
    assert "the client sent no retry" in caught.value.__notes__[0]


def test_student_server_reset_is_explained():
    """A server function that reads once and returns: the note names the RST and the bytes it never read."""

    def echo_once(conn):
        conn.sendall(conn.recv(3))

    with helpers.run_server(echo_once, mode="connection") as run:
        with pytest.raises(Exception) as caught:
            with helpers.show_exchange_on_failure(run):
                assert run.request(b"hello") == b"hello"
    assert "Your server reset the connection (RST) after the client sent 5 bytes" in caught.value.__notes__[0]


@pytest.mark.parametrize(
    ("lang", "counts"),
    [("en", ["0 bytes", "1 byte", "2 bytes"]), ("fr", ["0 octet", "1 octet", "2 octets"]),
     ("es", ["0 bytes", "1 byte", "2 bytes"]), ("zh-TW", ["0 位元組", "1 位元組", "2 位元組"])],
)
def test_byte_counts_take_the_languages_plural_forms(lang, counts):
    """Byte counts follow each catalog's Plural-Forms rule (French: singular for 0 and 1)."""
    set_language(lang)
    assert [byte_count(n) for n in (0, 1, 2)] == counts


def test_in_a_notebook_the_svg_is_displayed_and_the_note_printed(tmp_path):
    """In a real kernel the failure displays the SVG (marked for feedback) and IPython prints the note under the error."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        "import socket, helpers\n"
        "with helpers.echo_server() as server:\n"
        "    with helpers.show_exchange_on_failure(server):\n"
        "        with socket.create_connection(server.address, timeout=0.5) as sock:\n"
        "            sock.sendall(b'ping')\n"
        "            sock.recv(4096)\n"
        "            sock.recv(4096)\n"
    )]
    client = nbclient.NotebookClient(notebook, timeout=30, allow_errors=True, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = notebook.cells[0].outputs
    pictures = [output for output in outputs if output.output_type == "display_data"]
    (error,) = [output for output in outputs if output.output_type == "error"]
    assert len(pictures) == 1 and pictures[0].metadata == EXCHANGE_METADATA
    svg = pictures[0].data["image/svg+xml"]
    assert "<svg" in svg and "4 bytes" in svg and "ping" in svg and "timeout after" in svg
    assert error.ename == "TimeoutError"
    assert "The exchange (shown above): Your client sent 4 bytes and never half-closed" in "\n".join(error.traceback)


def test_without_a_source_it_says_what_is_missing():
    """Called with nothing to draw, it raises TypeError at once instead of silently showing nothing."""
    with pytest.raises(TypeError, match="server or run"):
        helpers.show_exchange_on_failure()


def small_buffer_echo(conn):
    """The a2 test's server: an echo with small socket buffers, so a client that never reads gets stuck."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32768)
    while chunk := conn.recv(65536):
        conn.sendall(chunk)


def send_then_read_roundtrip(address, data):
    """An echo client that sends everything before reading anything: a deadlock on megabytes."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_client_that_never_reads_is_explained_as_a_deadlock(capsys):
    """A client sending 8 MB before reading: the note says both sides got stuck and the server gave up while sending."""
    big = bytes(range(256)) * 32768
    with helpers.run_server(small_buffer_echo, mode="connection", deadline=1, student="client") as run:
        with pytest.raises(OSError) as caught:  # the server closed with unread data: a reset, or a broken pipe
            with helpers.show_exchange_on_failure(run):
                send_then_read_roundtrip(run.address, big)
    (note,) = caught.value.__notes__
    assert "without reading the replies" in note and "the server gave up after 1 s" in note
    printed = capsys.readouterr().out
    assert "test server" in printed and "timeout after 1 s while sending" in printed


def test_client_that_never_half_closes_to_a_test_server_is_explained():
    """A client that reads but never half-closes: the test server's receive times out, and the summary says so."""
    with helpers.run_server(small_buffer_echo, mode="connection", deadline=0.5, student="client") as run:
        with socket.create_connection(run.address, timeout=5) as sock:
            sock.sendall(b"ping")
            assert sock.recv(4) == b"ping"
            assert sock.recv(4) == b""  # the server gave up waiting and closed
    summary = run.trace().summary()
    assert summary.startswith("Your client sent 4 bytes and never half-closed: the server waited for more data")
    assert "while sending" not in run.trace().text()


def test_student_client_needs_connection_mode():
    """student='client' with the listener mode is refused: only an accepted connection can be recorded."""
    with pytest.raises(ValueError, match="student='client' needs mode='connection'"):
        helpers.run_server(small_buffer_echo, student="client")


@pytest.fixture
def default_timeout_09():
    """The student's default socket timeout set to 0.9 s for one test, then put back."""
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(0.9)
    yield
    socket.setdefaulttimeout(old)


def test_test_server_gives_up_before_the_students_client(default_timeout_09):
    """With student='client' the test server waits 2/3 of the default socket timeout, so it gives up (and records it) first."""
    with helpers.run_server(small_buffer_echo, mode="connection", deadline=8, student="client") as run:
        with socket.create_connection(run.address, timeout=5) as sock:
            sock.sendall(b"ping")
            assert sock.recv(4) == b"ping"
            assert sock.recv(4) == b""  # closed by the server after 0.6 s, long before the 8 s deadline
    assert run.trace().summary().endswith("until it gave up after 0.6 s.")
