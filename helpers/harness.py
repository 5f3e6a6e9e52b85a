"""Run a student's server function safely: the harness owns the socket and the deadline.

The harness binds and listens on loopback, hands the listening socket (or
one accepted connection) to the student's function in a daemon thread, and
lets test code connect as clients. ``result()`` waits at most until the
deadline; a function that never returns is reported, never waited for.

Typical use::

    def serve_once(listener):
        conn, addr = listener.accept()
        with conn:
            conn.sendall(b"hi")
        return addr

    with helpers.run_server(serve_once, deadline=5) as run:
        print(run.request(b""))   # b'hi'
        print(run.result())       # ('127.0.0.1', 54321)
"""

from __future__ import annotations

import socket
import threading
import time

from .background import format_address
from .errors import (
    ServerClosedEarlyError,
    StudentCodeError,
    StudentTimeoutError,
    check_bytes,
    check_host,
)
from .hints import explain
from .messages import N_, _
from .timeline import CLIENT, CONNECT, RAISED, RETURNED, SERVER, TIMEOUT, Timeline
from .traced_socket import TracedClientSocket, TracedConnection

__all__ = ["run_server", "ServerRun", "DEFAULT_DEADLINE"]

#: Seconds a student's server function may run before the harness gives up on it.
DEFAULT_DEADLINE = 5.0

_MODES = ("listener", "connection")
_STUDENTS = ("server", "client")
#: With ``student="client"``, the test server waits this share of the default socket timeout per call
#: (the student's client uses that default): the server gives up first, and records why.
SERVER_PATIENCE = 2 / 3


class ServerRun:
    """A student's server function running in a thread against a harness-owned socket.

    Methods for the caller: ``connect()``, ``request()``, ``wait()``, ``result()``, ``close()``, ``trace()``;
    attributes ``address``, ``deadline``, ``finished``, ``timeline`` (what our clients saw).

    With ``student="client"`` the roles turn round: ``target`` is the test's own
    server (``mode="connection"``), the student's code is the client, and the
    timeline records the accepted connection from the server's side.

    Typical use::

        with helpers.run_server(handle_echo, mode="connection") as run:
            run.request(b"abc"); run.result()
    """

    def __init__(self, target, args=(), *, mode="listener", deadline=DEFAULT_DEADLINE, host="127.0.0.1", backlog=64, student="server"):
        if not callable(target):
            raise TypeError(_("run_server() needs a function, not {value!r}.", value=target))
        if mode not in _MODES:
            raise ValueError(_("mode must be 'listener' or 'connection', not {value!r}.", value=mode))
        if student not in _STUDENTS:
            raise ValueError(_("student must be 'server' or 'client', not {value!r}.", value=student))
        if student == "client" and mode != "connection":
            raise ValueError(_("student='client' needs mode='connection': the harness records the connection it accepts."))
        self.student = student
        check_host(host)
        self.target = target
        self.name = getattr(target, "__name__", repr(target))
        self.deadline = float(deadline)
        self._started = time.monotonic()
        self.timeline = Timeline()  # our clients' side of every connection (helpers.timeline)
        self._conn: socket.socket | None = None
        self._outcome: tuple | None = None
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.bind((host, 0))
        self.listener.listen(backlog)
        self.listener.settimeout(self.deadline)
        self.address = self.listener.getsockname()[:2]
        self._thread = threading.Thread(
            target=self._main, args=(mode, tuple(args)), name=f"harness-{self.name}", daemon=True
        )
        self._thread.start()

    def _main(self, mode, args):
        try:
            if mode == "connection":
                self._conn, peer = self.listener.accept()
                self._conn.settimeout(self.deadline)
                conn = self._conn
                if self.student == "client":  # the test's server: record what the student's client did to it
                    default = socket.getdefaulttimeout()
                    if default is not None:
                        self._conn.settimeout(min(self.deadline, SERVER_PATIENCE * default))
                    record = self.timeline.open(format_address(peer), "tcp")
                    record.add(CONNECT, CLIENT)
                    conn = TracedConnection(self._conn, record, me=SERVER)
                with conn:
                    value = self.target(conn, *args)
            else:
                value = self.target(self.listener, *args)
            self._outcome = ("returned", value)
            self._record_end(RETURNED, self.name)
        except BaseException as exc:  # kept for result(); a thread must not print
            self._outcome = ("raised", exc)
            self._record_end(RAISED, (self.name, type(exc).__name__))

    def _record_end(self, kind, detail) -> None:
        # The function's end belongs to the newest connection (or to a record of its own if none came).
        if self.student == "client":  # the test's own server function: its end is no news for the student
            return
        record = self.timeline.latest() or self.timeline.open(None, "tcp")
        record.add(kind, SERVER, detail=detail)

    @property
    def finished(self) -> bool:
        """True once the student's function has returned or raised."""
        return not self._thread.is_alive()

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds (never past the deadline) for the function to end; True if it has.

        For a test that must see the function still running, such as a server
        that should not return while a client is connected: a correct function
        costs the test the whole ``timeout``, so keep it short.

        Typical use::

            assert not run.wait(0.5), "returned while a client was still connected"
        """
        self._thread.join(min(float(timeout), self.remaining()))
        return self.finished

    def remaining(self) -> float:
        """Seconds left before the deadline (never below 0.05)."""
        return max(0.05, self.deadline - (time.monotonic() - self._started))

    def connect(self) -> socket.socket:
        """A new client socket connected to the harness address (timeout: time left).

        Typical use::

            with run.connect() as client:
                client.sendall(b"ping")
        """
        return TracedClientSocket.connect_to(self.address, self.timeline, timeout=self.remaining())

    def request(self, data: bytes = b"", *, half_close: bool = True) -> bytes:
        """Connect, send ``data`` (then half-close), and return every byte received until EOF.

        Sending runs in its own thread, so a server that echoes while it reads
        never deadlocks against us, however large ``data`` is.

        Typical use::

            run.request(b"hello")   # -> b'hello' from an echo server
        """
        data = check_bytes(data)
        client = self.connect()
        failure: list[BaseException] = []

        def send_all():
            try:
                client.sendall(data)
                if half_close:
                    client.shutdown(socket.SHUT_WR)
            except OSError as exc:
                failure.append(exc)

        sender = threading.Thread(target=send_all, name="harness-client-sender", daemon=True)
        sender.start()
        chunks = []
        try:
            while True:
                try:
                    chunk = client.recv(65536)
                except ConnectionResetError as exc:
                    failure.append(exc)
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            sender.join(self.remaining())
            client.close()
        if failure and isinstance(failure[0], (BrokenPipeError, ConnectionResetError)):
            raise ServerClosedEarlyError(
                _(
                    "The server closed the connection before it had read all {count} bytes the client sent.",
                    count=len(data),
                )
            ) from failure[0]
        if failure:
            raise failure[0]
        return b"".join(chunks)

    def result(self):
        """Wait (at most until the deadline) and return what the student's function returned.

        Raises ``StudentCodeError`` if the function raised (the original is
        ``__cause__``), and ``StudentTimeoutError`` if it did not finish.

        Typical use::

            addresses = run.result()
        """
        self._thread.join(self.remaining())
        if self._thread.is_alive():
            record = self.timeline.latest() or self.timeline.open(None, "tcp")
            record.add(TIMEOUT, SERVER, detail=self.deadline)
            self.close()
            self._thread.join(1.0)
            raise StudentTimeoutError(
                _(
                    "Your function {name}() did not finish within {deadline:g} s. "
                    "Is it waiting for a client that never comes, or looping forever?",
                    name=self.name,
                    deadline=self.deadline,
                )
            )
        kind, value = self._outcome
        if kind == "raised":
            raise StudentCodeError(
                _(
                    "Your function {name}() raised {error}.",
                    name=self.name,
                    error=f"{type(value).__name__}: {value}",
                )
                + (" " + explain(value) if explain(value) else "")
            ) from value
        return value

    def trace(self, connection=None, *, last: int | None = 3, times: bool = True):
        """Our clients' side of the run, as a ``Trace`` (diagram, text, summary); see ``BackgroundServer.trace``.

        Typical use::

            with helpers.run_server(handle_echo, mode="connection") as run:
                run.request(b"abc")
            run.trace()             # the diagram; print(run.trace()) for text
        """
        from .trace import Trace

        theirs = self.student == "client"
        return Trace.from_timeline(
            self.timeline, connection=connection, last=last, times=times,
            server_label=N_("test server") if theirs else N_("your server"), server_address=self.address,
            student=CLIENT if theirs else SERVER,
        )

    def close(self) -> None:
        """Close the harness's sockets, which also unblocks a stuck ``accept()`` or ``recv()``."""
        for sock in (self._conn, self.listener):
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._thread.join(self.remaining() if exc_info[0] is None else 0.05)
        self.close()
        self._thread.join(1.0)

    def __repr__(self) -> str:
        state = _("finished") if self.finished else _("running")
        return f"<ServerRun {self.name}() on {format_address(self.address)} {state}>"


def run_server(
    target, *args, mode: str = "listener", deadline: float = DEFAULT_DEADLINE, host: str = "127.0.0.1", backlog: int = 64,
    student: str = "server",
) -> ServerRun:
    """Start ``target(listener, *args)`` (or ``target(conn, *args)`` with ``mode="connection"``) in a thread.

    The harness binds ``host`` on port 0 and listens before the thread starts,
    so ``run.address`` accepts connections at once.

    Typical use::

        with helpers.run_server(handle_echo, mode="connection", deadline=5) as run:
            assert run.request(b"abc") == b"abc"
            assert run.result() == 3

    ``student="client"`` when the test provides the server and the student the client::

        with helpers.run_server(small_buffer_echo, mode="connection", student="client") as run:
            echo_roundtrip(run.address, data)   # run.trace() shows it from the server's side
    """
    return ServerRun(target, args, mode=mode, deadline=deadline, host=host, backlog=backlog, student=student)
