"""Walk a real TCP server and client through their calls, one step at a time.

Every step makes one real call on real sockets (127.0.0.1, a port the system
chooses) and then shows, for each socket, ``getsockname()`` (its own address)
and ``getpeername()`` (the address of the other end), so you can watch the
addresses appear as the pair is built, used and closed.

No thread is needed: ``connect()`` completes as soon as the listening socket's
queue takes the connection, so the same code can call ``accept()`` next.
Every socket has a timeout, so no step can hang.

In JupyterLab the stepper shows a "Next" button; ``run_all()`` and
``next()`` do the same in plain text, so a lesson never depends on widgets.

Typical use::

    from helpers.stepper import SocketStepper
    SocketStepper()              # widget: press Next to make each call
    SocketStepper().run_all()    # or print every step at once
"""

from __future__ import annotations

import atexit
import html
import socket
import weakref
from dataclasses import dataclass

from .background import _caller_site, made_by_earlier_run
from .hints import explain
from .messages import N_, _

__all__ = ["SocketStepper", "Step", "SocketView", "STEP_TIMEOUT"]

#: Seconds any call of the stepper may block.
STEP_TIMEOUT = 5.0
#: The sockets the stepper shows, in table order (names as in the calls).
SOCKET_NAMES = ("server", "client", "conn")
#: What the client sends and what the server answers.
REQUEST = b"hello"
REPLY = b"welcome"

_live: "weakref.WeakSet[SocketStepper]" = weakref.WeakSet()


@dataclass(frozen=True)
class SocketView:
    """What one socket looks like after a step: ``state`` is "new", "open" or "closed"."""

    name: str
    state: str
    local: tuple | None = None
    peer: tuple | None = None

    def describe(self) -> str:
        """One line such as ``local ('127.0.0.1', 40001), peer ('127.0.0.1', 51000)``."""
        if self.state == "new":
            return _("not created yet")
        if self.state == "closed":
            return _("closed")
        local = repr(self.local) if self.local is not None else _("no address yet")
        peer = repr(self.peer) if self.peer is not None else _("not connected")
        return _("getsockname() {local}, getpeername() {peer}", local=local, peer=peer)


@dataclass(frozen=True)
class Step:
    """One call the stepper made: its number, the code, what it returned, why it matters, the sockets after it."""

    number: int
    total: int
    code: str
    result: str
    explanation: str
    sockets: tuple[SocketView, ...]

    def __str__(self) -> str:
        lines = [_("Step {number} of {total}: {code}", number=self.number, total=self.total, code=self.code)]
        if self.result:
            lines.append("   -> " + self.result)
        lines.append("   " + self.explanation)
        width = max(len(name) for name in SOCKET_NAMES)
        lines.extend(f"   {view.name.ljust(width)}  {view.describe()}" for view in self.sockets)
        return "\n".join(lines)

    def html(self) -> str:
        """The step as an HTML table, for the widget."""
        rows = "".join(
            f"<tr><td><code>{view.name}</code></td><td>{html.escape(_cell(view, 'local'))}</td>"
            f"<td>{html.escape(_cell(view, 'peer'))}</td></tr>"
            for view in self.sockets
        )
        result = f"<br>&rarr; <code>{html.escape(self.result)}</code>" if self.result else ""
        heading = html.escape(_("Step {number} of {total}:", number=self.number, total=self.total))
        socket_heading = html.escape(_("socket"))
        return (
            f"<p><b>{heading}</b> <code>{html.escape(self.code)}</code>{result}<br>{html.escape(self.explanation)}</p>"
            f"<table><tr><th>{socket_heading}</th><th>getsockname()</th><th>getpeername()</th></tr>{rows}</table>"
        )

    __repr__ = __str__


def _cell(view: SocketView, which: str) -> str:
    if view.state == "new":
        return _("not created yet")
    if view.state == "closed":
        return _("closed")
    if which == "local":
        return repr(view.local) if view.local is not None else _("no address yet")
    return repr(view.peer) if view.peer is not None else _("not connected")


class SocketStepper:
    """A server socket, a client socket and the accepted connection, driven one call per step.

    Methods for the caller: ``next()`` (make the next call, return a ``Step``
    or None at the end), ``steps()`` (a generator of the remaining steps),
    ``run_all()`` (print every remaining step), ``close()`` (close the sockets
    and start over), ``widget()``. Displaying a stepper shows the widget.

    Typical use::

        stepper = SocketStepper()
        stepper            # click Next to make one call at a time
        stepper.run_all()  # or print every step as a table
    """

    def __init__(self, timeout: float = STEP_TIMEOUT):
        self.timeout = float(timeout)
        self.sockets: dict[str, socket.socket | None] = dict.fromkeys(SOCKET_NAMES)
        self._closed: set[str] = set()
        self._position = 0
        self._widget = None
        self._replace_previous_run()
        _live.add(self)

    # -- the calls, in order ----------------------------------------------
    def _plan(self):
        """(code, action, explanation) for every step; actions return a short result text or ""."""
        return [
            ("server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)", self._make_server,
             N_("The server makes its socket. It has no address yet: on Linux getsockname() shows 0.0.0.0 and port 0, meaning \"none\".")),
            ("server.bind(('127.0.0.1', 0))", self._bind,
             N_("bind() gives the socket its address. Port 0 asks the system for any free port.")),
            ("server.listen()", self._listen,
             N_("listen() turns it into a listening socket: the system now queues connections for it.")),
            ("client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)", self._make_client,
             N_("The client makes its own socket, with no address yet.")),
            ("client.connect(server.getsockname())", self._connect,
             N_("connect() does the handshake. The system picks a port for the client, and both ends now know each other.")),
            ("conn, addr = server.accept()", self._accept,
             N_("accept() returns a NEW socket, conn, for this one client; addr is the client's address. The listening socket is unchanged.")),
            (f"client.send({REQUEST!r})", self._client_send,
             N_("send() hands bytes to the system and returns how many it took.")),
            ("conn.recv(1024)", self._conn_recv,
             N_("recv(1024) returns the bytes that have arrived, at most 1024 of them.")),
            (f"conn.send({REPLY!r})", self._conn_send,
             N_("The server answers on conn, the connected socket, never on the listening one.")),
            ("client.recv(1024)", self._client_recv,
             N_("The client reads the answer.")),
            ("client.close()", lambda: self._close_one("client"),
             N_("The client hangs up. Its socket is closed and can no longer be used.")),
            ("conn.close()", lambda: self._close_one("conn"),
             N_("The server closes its side of that conversation.")),
            ("server.close()", lambda: self._close_one("server"),
             N_("Finally the listening socket closes and its port is free again.")),
        ]

    def _new_socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)  # no step may block for longer than this
        return sock

    def _make_server(self):
        self.sockets["server"] = self._new_socket()
        return ""

    def _bind(self):
        self.sockets["server"].bind(("127.0.0.1", 0))
        return ""

    def _listen(self):
        self.sockets["server"].listen()
        return ""

    def _make_client(self):
        self.sockets["client"] = self._new_socket()
        return ""

    def _connect(self):
        self.sockets["client"].connect(self.sockets["server"].getsockname())
        return ""

    def _accept(self):
        conn, addr = self.sockets["server"].accept()
        conn.settimeout(self.timeout)
        self.sockets["conn"] = conn
        return f"addr = {addr!r}"

    def _client_send(self):
        return repr(self.sockets["client"].send(REQUEST))

    def _conn_recv(self):
        return repr(self.sockets["conn"].recv(1024))

    def _conn_send(self):
        return repr(self.sockets["conn"].send(REPLY))

    def _client_recv(self):
        return repr(self.sockets["client"].recv(1024))

    def _close_one(self, name: str):
        self.sockets[name].close()
        self._closed.add(name)
        return ""

    # -- caller API ------------------------------------------------------
    @property
    def total(self) -> int:
        """How many steps a full walk has."""
        return len(self._plan())

    @property
    def position(self) -> int:
        """How many steps have been made so far."""
        return self._position

    @property
    def finished(self) -> bool:
        """True after the last step."""
        return self._position >= self.total

    def next(self) -> Step | None:
        """Make the next call and return what happened, or None when every step is done.

        If a call fails, every socket is closed, the stepper starts over,
        and the error is raised.

        Typical use::

            stepper = SocketStepper()
            print(stepper.next())   # Step 1 of 13: server = socket.socket(...)
        """
        plan = self._plan()
        if self._position >= len(plan):
            return None
        code, action, explanation = plan[self._position]
        try:
            result = action()
        except BaseException:
            self.close()
            raise
        self._position += 1
        return Step(self._position, len(plan), code, result, _(explanation), self.snapshot())

    def steps(self):
        """Yield each remaining step in turn, making its call as it is asked for.

        Typical use::

            for step in SocketStepper().steps():
                print(step.code)
        """
        while (step := self.next()) is not None:
            yield step

    def run_all(self) -> None:
        """Make every remaining call and print each step; the sockets end closed.

        Typical use::

            SocketStepper().run_all()
        """
        try:
            for step in self.steps():
                print(step, end="\n\n" if not self.finished else "\n")
        finally:
            self.close()

    def snapshot(self) -> tuple[SocketView, ...]:
        """How every socket looks right now: state, getsockname() and getpeername()."""
        return tuple(self._view(name) for name in SOCKET_NAMES)

    def _view(self, name: str) -> SocketView:
        sock = self.sockets[name]
        if sock is None:
            return SocketView(name, "new")
        if name in self._closed or sock.fileno() == -1:
            return SocketView(name, "closed")
        try:
            local = sock.getsockname()
        except OSError:  # Windows refuses to name a socket that was never bound
            local = None
        try:
            peer = sock.getpeername()
        except OSError:  # not connected (yet): there is no other end
            peer = None
        return SocketView(name, "open", local, peer)

    def close(self) -> None:
        """Close every socket the stepper opened and rewind to the first step (safe to call twice).

        Typical use::

            stepper.close()
        """
        for name, sock in self.sockets.items():
            if sock is not None:
                sock.close()
        self.sockets = dict.fromkeys(SOCKET_NAMES)
        self._closed.clear()
        self._position = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def text(self) -> str:
        """The calls the stepper will make, as plain text (what shows without widgets)."""
        lines = [_("A real server and client on 127.0.0.1. Press Next to make each call:")]
        lines.extend(f"{number:>2}. {code}" for number, (code, _action, _why) in enumerate(self._plan(), start=1))
        lines.append(_("Without widgets: run stepper.next() once per step, or stepper.run_all()."))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    # -- widget ----------------------------------------------------------
    def widget(self):
        """The ipywidgets view (built once): Next and Start over buttons, the step, a socket table.

        Typical use::

            display(stepper.widget())
        """
        if self._widget is None:
            self._widget = self._build()
        return self._widget

    def _build(self):
        import ipywidgets as widgets

        self._next_button = widgets.Button(description=_("Next"), button_style="primary", icon="step-forward")
        self._reset_button = widgets.Button(description=_("Start over"), icon="undo")
        self._view_html = widgets.HTML()
        self._history = widgets.HTML()
        self._next_button.on_click(lambda _button: self._on_next())
        self._reset_button.on_click(lambda _button: self._on_reset())
        self._show_start()
        return widgets.VBox([widgets.HBox([self._next_button, self._reset_button]), self._view_html, self._history])

    def _show_start(self) -> None:
        code = "<br>".join(f"{n}. <code>{html.escape(c)}</code>" for n, (c, _a, _w) in enumerate(self._plan(), start=1))
        intro = html.escape(_("A real server and client on 127.0.0.1. Press Next to make each call:"))
        self._view_html.value = f"<p>{intro}</p><p>{code}</p>"
        self._history.value = ""
        self._next_button.disabled = False

    def _on_next(self) -> Step | None:
        if self.finished:
            return None
        try:
            step = self.next()
        except Exception as exc:  # shown in the widget: a button callback has no cell to raise into
            hint = explain(exc)
            self._view_html.value = f"<p><b>{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</b> {html.escape(hint)}</p>"
            return None
        self._view_html.value = step.html()
        done = "".join(f"<li><code>{html.escape(c)}</code></li>" for c, _a, _w in self._plan()[: self._position])
        so_far = html.escape(_("Calls so far:"))
        self._history.value = f"<p>{so_far}</p><ol>{done}</ol>"
        if self.finished:
            self._next_button.disabled = True
            done_note = html.escape(_("Done: every socket is closed. Press Start over to walk again."))
            self._history.value += f"<p>{done_note}</p>"
            self.close()
            self._position = self.total  # stay on the last step until Start over
        return step

    def _on_reset(self) -> None:
        self.close()
        self._show_start()

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget()._repr_mimebundle_()
        bundle["text/plain"] = self.text()  # stable fallback; the widget view itself is never compared
        return bundle

    # -- life cycle --------------------------------------------------------
    def _replace_previous_run(self) -> None:
        # Re-running the notebook cell that made a stepper closes the old one's sockets.
        self._site = _caller_site()
        for other in made_by_earlier_run(self._site, list(_live)):
            other.close()


def _close_all() -> None:
    for stepper in list(_live):
        stepper.close()


atexit.register(_close_all)
