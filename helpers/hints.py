"""One-line explanations of the socket errors students meet most, in their language.

Typical use::

    try:
        socket.create_connection(("127.0.0.1", 1))
    except OSError as exc:
        print(helpers.explain(exc))
"""

from __future__ import annotations

import errno
import socket

from .messages import _

__all__ = ["explain"]


def explain(exc: BaseException) -> str:
    """Return a short hint about what usually causes ``exc`` and how to fix it ("" if none).

    Typical use::

        helpers.explain(ConnectionRefusedError())
        # 'Connection refused: nothing is listening on that address and port ...'
    """
    if isinstance(exc, ConnectionRefusedError):
        return _(
            "Connection refused: nothing is listening on that address and port. "
            "Is the server running, and is the port right?"
        )
    if isinstance(exc, socket.gaierror):
        return _("The name could not be resolved to an address: check the spelling, or use an IP address.")
    if isinstance(exc, TimeoutError):
        return _(
            "Timed out: the call waited longer than the socket's timeout. "
            "The other side may never send, or may be waiting for you."
        )
    if isinstance(exc, BrokenPipeError):
        return _("Broken pipe: you sent data after the other side had closed the connection.")
    if isinstance(exc, ConnectionResetError):
        return _("Connection reset by the peer: the other side closed the connection abruptly.")
    if isinstance(exc, ConnectionAbortedError):  # Windows' name for a send or receive on a connection already dead
        return _(
            "Connection aborted: your system dropped the connection, usually because the other side "
            "had already closed it. Close this socket, and connect again if you still need to talk."
        )
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return _(
            "Address already in use: another socket is bound to that port. "
            "Bind to port 0 to let the system choose a free one, or stop the old server."
        )
    if isinstance(exc, TypeError) and "bytes-like" in str(exc):
        return _("Sockets send bytes, not str: encode text first, e.g. 'hello'.encode().")
    if isinstance(exc, UnicodeDecodeError):
        return _("These bytes are not valid UTF-8 text: a multi-byte character may have been split between two recv() calls.")
    return ""
