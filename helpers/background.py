"""The life cycle every background server shares.

A server binds and listens in its constructor, *then* starts its thread, so
its address is valid and connections wait in the backlog the moment the
factory returns: no ready-event, no sleep (as CPython's ``socketserver`` and
``test.support.socket_helper`` do it).

Server threads never print: ipykernel would show the text under whichever
cell runs next. Events go to ``server.log`` and exceptions to
``server.errors``; ``server.check()`` re-raises them in the cell that asks.

Re-running a notebook cell that creates a server stops the server that the
previous run of that same cell created, so threads and ports never pile up.

Typical use::

    from helpers import echo_server
    with echo_server() as srv:
        print(srv.address)
    srv = echo_server()      # or across cells ...
    srv.stop()               # ... and stop it when done (stopping twice is fine)
"""

from __future__ import annotations

import atexit
import collections
import selectors
import socket
import sys
import threading
import weakref
from pathlib import Path

from .errors import ServerStoppedError, ServerThreadError, check_host, check_port
from .messages import N_, _
from .timeline import CLIENT, Timeline

__all__ = ["BackgroundServer", "EventLog", "stop_all", "running_servers", "STOP_TIMEOUT"]

#: Seconds ``stop()`` waits for a server thread before it reports a failure.
STOP_TIMEOUT = 5.0

_PACKAGE_DIR = str(Path(__file__).resolve().parent)
_running: "weakref.WeakSet[BackgroundServer]" = weakref.WeakSet()
_running_lock = threading.Lock()


class EventLog:
    """What a server did, one short line per event, newest last (at most ``maxlen``).

    Typical use::

        srv.log            # shows the lines
        list(srv.log)[-1]  # the newest event
    """

    def __init__(self, maxlen: int = 1000):
        self._lines: collections.deque[str] = collections.deque(maxlen=maxlen)

    def add(self, line: str) -> None:
        """Append one event (safe from any thread)."""
        self._lines.append(line)

    def clear(self) -> None:
        """Forget every event recorded so far."""
        self._lines.clear()

    def __iter__(self):
        return iter(list(self._lines))

    def __len__(self) -> int:
        return len(self._lines)

    def __getitem__(self, index):
        return list(self._lines)[index]

    def __contains__(self, text) -> bool:
        return any(text in line for line in list(self._lines))

    def __repr__(self) -> str:
        lines = list(self._lines)
        return "\n".join(lines) if lines else _("(no events yet)")


def format_address(address) -> str:
    """``("127.0.0.1", 5000)`` -> ``"127.0.0.1:5000"``; IPv6 in brackets.

    Typical use::

        format_address(("::1", 80, 0, 0))   # -> "[::1]:80"
    """
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address)


def _caller_site():
    """(cell file, line, execution count) of the notebook cell creating a server, or None."""
    ipython_module = sys.modules.get("IPython")
    if ipython_module is None:
        return None
    shell = ipython_module.get_ipython()
    if shell is None:
        return None
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    return (frame.f_code.co_filename, frame.f_lineno), shell.execution_count


def made_by_earlier_run(site, candidates) -> list:
    """The objects in ``candidates`` that an earlier run of the cell at ``site`` created.

    ``site`` is what ``_caller_site()`` returned for the new object (None outside
    a notebook, which matches nothing); each candidate keeps its own in ``_site``.

    Typical use (re-running a cell replaces what its previous run made)::

        for old in made_by_earlier_run(self._site, running_servers()):
            old.stop()
    """
    if site is None:
        return []
    where, run = site
    return [
        other
        for other in candidates
        if getattr(other, "_site", None) and other._site[0] == where and other._site[1] != run
    ]


class BackgroundServer:
    """A server running in a daemon thread on loopback and an ephemeral port.

    Methods for the caller: ``stop()``, ``check()``, ``trace()``, ``with`` blocks;
    attributes ``address``, ``host``, ``port``, ``url``, ``log``, ``errors``, ``timeline``.

    Methods that subclasses provide: ``_open(host, port)`` binds and listens
    and returns the bound address; ``_serve()`` runs in the thread until
    ``_shutdown()`` makes it return; ``_close()`` releases the sockets.

    Typical use (every factory returns one)::

        srv = helpers.echo_server()
        srv.address, srv.log, srv.errors
        srv.check(); srv.stop()
    """

    #: Short name used in thread names and messages.
    kind = N_("server")
    #: URL scheme, or None when the server has no URL.
    scheme: str | None = None

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, allow_remote: bool = False):
        check_host(host, allow_remote)
        check_port(port)
        self.log = EventLog()
        self.errors: list[BaseException] = []
        self.timeline = Timeline()  # always on: every connection's events (helpers.timeline)
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._address = self._open(host, port)
        self._replace_previous_run()
        self._thread = threading.Thread(
            target=self._thread_main, name=f"helpers-{self.kind}-{self._address[1]}", daemon=True
        )
        with _running_lock:
            _running.add(self)
        self._thread.start()

    # -- hooks -----------------------------------------------------------
    def _open(self, host: str, port: int) -> tuple:
        raise NotImplementedError

    def _serve(self) -> None:
        raise NotImplementedError

    def _shutdown(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    # -- caller API ------------------------------------------------------
    @property
    def running(self) -> bool:
        """True until ``stop()`` is called."""
        return not self._stopped

    @property
    def address(self) -> tuple:
        """``(host, port)`` to pass to ``connect()`` or ``sendto()``."""
        self._require_running()
        return self._address[:2]

    @property
    def host(self) -> str:
        """The address the server listens on, e.g. ``"127.0.0.1"``."""
        return self.address[0]

    @property
    def port(self) -> int:
        """The port the system chose for this server."""
        return self.address[1]

    @property
    def url(self) -> str | None:
        """``scheme://host:port/`` for servers that speak a URL scheme, else None."""
        if self.scheme is None:
            return None
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        return f"{self.scheme}://{host}:{self.port}/"

    def check(self) -> None:
        """Re-raise the first error that happened in the server thread, if any.

        Typical use::

            srv.check()   # silent when all went well
        """
        if self.errors:
            first = self.errors[0]
            raise ServerThreadError(
                _("The {kind} thread failed: {error}", kind=_(self.kind), error=f"{type(first).__name__}: {first}")
            ) from first

    def trace(self, connection=None, *, last: int | None = 3, times: bool = True):
        """What happened on the connections, as a ``Trace``: a sequence diagram, text and a summary.

        ``connection`` picks one (its number, as the text shows it, or the client's
        address); otherwise the ``last`` connections (None: every one kept).
        ``times=False`` leaves the times out (for outputs compared as text).

        Typical use::

            srv.trace()              # a diagram in JupyterLab
            print(srv.trace())       # the same events, one per line
            srv.trace().summary()    # one or two sentences
        """
        from .trace import Trace  # the diagram code loads only when a cell asks for it

        return Trace.from_timeline(
            self.timeline, connection=connection, last=last, times=times,
            server_label=self.kind, server_address=self._address, student=CLIENT,
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the server and release its port. Calling it again does nothing.

        Typical use::

            srv.stop()
        """
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        try:
            self._shutdown()
            self._thread.join(timeout)
        finally:
            self._close()
            with _running_lock:
                _running.discard(self)
        if self._thread.is_alive():
            raise ServerThreadError(
                _("The {kind} thread did not stop within {timeout:g} s.", kind=_(self.kind), timeout=timeout)
            )
        self.log.add(_("stopped"))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = format_address(self._address)
        state = _("running") if self.running else _("stopped")
        return f"<{type(self).__name__} {where} {state}>"

    # -- internals -------------------------------------------------------
    def _require_running(self) -> None:
        if self._stopped:
            raise ServerStoppedError(
                _(
                    "This {kind} has been stopped; create a new one (for example by running its cell again).",
                    kind=_(self.kind),
                )
            )

    def _record_error(self, exc: BaseException) -> None:
        self.errors.append(exc)
        self.log.add(_("error: {error}", error=f"{type(exc).__name__}: {exc}"))

    def _thread_main(self) -> None:
        try:
            self._serve()
        except BaseException as exc:  # recorded, never printed (see module docstring)
            if not self._stopped:
                self._record_error(exc)

    def _replace_previous_run(self) -> None:
        self._site = _caller_site()
        same_kind = [other for other in running_servers() if type(other) is type(self)]
        for other in made_by_earlier_run(self._site, same_kind):
            other.stop()


class Waker:
    """A socketpair that wakes a selector loop from another thread (as websockets does)."""

    def __init__(self):
        self.reader, self.writer = socket.socketpair()
        self.reader.setblocking(False)

    def wake(self) -> None:
        """Make the loop's ``select()`` return."""
        try:
            self.writer.send(b"x")
        except OSError:
            pass

    def close(self) -> None:
        """Release both ends."""
        self.reader.close()
        self.writer.close()


def serve_until_woken(server_socket: socket.socket, waker: Waker, on_ready) -> None:
    """Call ``on_ready()`` each time ``server_socket`` is readable, until ``waker`` fires.

    Typical use (inside a server thread)::

        serve_until_woken(self._server.socket, self._waker, self._server.handle_request)
    """
    with selectors.DefaultSelector() as selector:
        selector.register(server_socket, selectors.EVENT_READ)
        selector.register(waker.reader, selectors.EVENT_READ)
        while True:
            events = selector.select()
            if any(key.fileobj is waker.reader for key, _mask in events):
                return
            on_ready()


def running_servers() -> list[BackgroundServer]:
    """Every helper server that has not been stopped yet.

    Typical use::

        running_servers()   # -> [<EchoServer 127.0.0.1:40123 running>]
    """
    with _running_lock:
        return list(_running)


def stop_all() -> int:
    """Stop every running helper server; return how many were stopped.

    Typical use::

        helpers.stop_all()
    """
    servers = running_servers()
    for server in servers:
        server.stop()
    return len(servers)


atexit.register(stop_all)
