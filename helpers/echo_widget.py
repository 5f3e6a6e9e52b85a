"""A live TCP echo client for a notebook: type a message, press Send, see what comes back.

The widget is only a face: every round trip goes through ``EchoWidget.send``,
which tests and lessons call directly, so nothing depends on widget state.

Typical use::

    import helpers
    from helpers.echo_widget import EchoWidget

    srv = helpers.echo_server()
    widget = EchoWidget(srv.address)
    widget                     # a text box, a Send button and the replies
    widget.send("hello")       # -> 'hello' (the same round trip, without clicking)
"""

from __future__ import annotations

import socket

import ipywidgets as widgets

from .background import format_address
from .errors import check_port
from .hints import explain
from .messages import _

__all__ = ["EchoWidget", "DEFAULT_TIMEOUT", "MAX_MESSAGE_BYTES"]

#: Seconds one round trip may take before the widget reports a timeout.
DEFAULT_TIMEOUT = 5.0
#: Largest message, in UTF-8 bytes. Far below the socket buffers, so sending
#: everything before reading the echo can never deadlock.
MAX_MESSAGE_BYTES = 65536


class EchoWidget:
    """A text box and a Send button that talk to a TCP echo server at ``address``.

    Methods for the caller: ``send(text)`` (one round trip, returns the
    reply); showing the object in a cell displays the widget. Attributes:
    ``address``, ``timeout``, ``history`` (one line per click), and the
    ipywidgets ``text``, ``button``, ``output`` and ``view``.

    Typical use::

        srv = helpers.echo_server()
        widget = EchoWidget(srv.address)
        widget               # type, click Send, see the reply
        widget.send("hi")    # -> 'hi'
    """

    def __init__(self, address, timeout: float = DEFAULT_TIMEOUT):
        self.address = _check_address(address)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            raise ValueError(_("The timeout must be a positive number of seconds, not {value!r}.", value=timeout))
        self.timeout = float(timeout)
        self.history: list[str] = []
        self.text = widgets.Text(placeholder=_("Type a message"), description=_("Message:"))
        self.button = widgets.Button(description=_("Send"), tooltip=_("Send the message to the echo server"))
        self.output = widgets.Output(layout=widgets.Layout(border="1px solid #ccc", min_height="2em"))
        self.button.on_click(self._on_click)
        self.view = widgets.VBox([widgets.HBox([self.text, self.button]), self.output])

    def send(self, text: str) -> str:
        """Connect, send ``text`` as UTF-8, half-close, and return everything the server sends back.

        Raises the socket error (``ConnectionRefusedError``, ``TimeoutError`` ...)
        if the round trip fails.

        Typical use::

            widget.send("héllo")   # -> 'héllo'
        """
        if not isinstance(text, str):
            raise TypeError(_("The message must be text (str), not {kind}.", kind=type(text).__name__))
        data = text.encode("utf-8")
        if len(data) > MAX_MESSAGE_BYTES:
            raise ValueError(
                _("The message is {count} bytes long; the limit is {limit} bytes.", count=len(data), limit=MAX_MESSAGE_BYTES)
            )
        with socket.create_connection(self.address, timeout=self.timeout) as conn:
            conn.sendall(data)
            # Half-close: the server reads b'' after our bytes, echoes, then closes its side.
            conn.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode("utf-8")

    def _on_click(self, _button) -> None:
        # A widget callback must never raise: the error would land in the kernel log, not here.
        message = self.text.value
        try:
            reply = self.send(message)
        except Exception as exc:
            hint = explain(exc)
            line = _("Error: {error}", error=f"{type(exc).__name__}: {exc}")
            if hint:
                line = f"{line} {hint}"
        else:
            line = _(
                "Sent {sent} bytes, received {received} bytes: {reply!r}",
                sent=len(message.encode("utf-8")),
                received=len(reply.encode("utf-8")),
                reply=reply,
            )
        self.history.append(line)
        self.output.append_stdout(line + "\n")

    def __repr__(self) -> str:
        return _(
            "<EchoWidget for {address}: type a message and press Send, or call .send('text')>",
            address=format_address(self.address),
        )

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.view._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = repr(self)  # stable text: never the widget's changing state
        return bundle


def _check_address(address) -> tuple:
    """Return ``address`` as a (host, port) tuple, or raise a clear error."""
    if not (isinstance(address, tuple) and len(address) >= 2 and isinstance(address[0], str)):
        raise TypeError(
            _("The address must be a (host, port) tuple such as srv.address, not {value!r}.", value=address)
        )
    return (address[0], check_port(address[1]))
