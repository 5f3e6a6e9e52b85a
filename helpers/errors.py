"""The helpers' own exceptions, and checks that raise them in the student's language.

Each class also derives from the built-in exception a student would expect
(``ValueError``, ``TypeError``, ``TimeoutError`` ...), so ordinary ``except``
clauses keep working.

Typical use::

    from helpers.errors import check_port
    check_port(8080)        # fine
    check_port(70000)       # PortRangeError: Port 70000 is out of range ...
"""

from __future__ import annotations

import ipaddress

from .messages import _

__all__ = [
    "HelpersError",
    "PortRangeError",
    "NotLoopbackError",
    "BytesRequiredError",
    "ServerStoppedError",
    "ServerThreadError",
    "StudentCodeError",
    "StudentTimeoutError",
    "ServerClosedEarlyError",
    "check_port",
    "check_host",
    "check_bytes",
]


class HelpersError(Exception):
    """Base class of every error the helpers raise.

    Typical use::

        except helpers.HelpersError as exc: print(exc)
    """


class PortRangeError(HelpersError, ValueError):
    """A port number outside 0-65535.

    Typical use::

        helpers.echo_server(port=70000)   # raises PortRangeError
    """


class NotLoopbackError(HelpersError, ValueError):
    """A server asked to listen beyond this machine without opting in.

    Typical use::

        helpers.echo_server(host="0.0.0.0")   # raises NotLoopbackError
    """


class BytesRequiredError(HelpersError, TypeError):
    """A ``str`` (or other object) where sockets need ``bytes``.

    Typical use::

        helpers.check_bytes("text")   # raises BytesRequiredError
    """


class ServerStoppedError(HelpersError, RuntimeError):
    """A stopped server was used.

    Typical use::

        srv.stop(); srv.address   # raises ServerStoppedError
    """


class ServerThreadError(HelpersError, RuntimeError):
    """An error happened inside a background server thread.

    Typical use::

        srv.check()   # raises ServerThreadError if the thread failed
    """


class StudentCodeError(HelpersError, RuntimeError):
    """The student's function raised; the original is ``__cause__``.

    Typical use::

        except helpers.StudentCodeError as exc: print(exc.__cause__)
    """


class StudentTimeoutError(HelpersError, TimeoutError):
    """The student's function did not finish before its deadline.

    Typical use::

        run.result()   # raises StudentTimeoutError after the deadline
    """


class ServerClosedEarlyError(HelpersError, ConnectionError):
    """The server closed the connection before the client finished.

    Typical use::

        run.request(big)   # raises ServerClosedEarlyError if the server hangs up
    """


def check_port(port) -> int:
    """Return ``port`` as an int, or raise a clear error if it cannot be a TCP/UDP port.

    Typical use::

        check_port(0)   # -> 0 (0 asks the system for a free port)
    """
    if isinstance(port, bool) or not isinstance(port, int):
        raise PortRangeError(_("A port is a whole number from 0 to 65535, not {value!r}.", value=port))
    if not 0 <= port <= 65535:
        raise PortRangeError(_("Port {port} is out of range: use 0 to 65535 (0 lets the system choose).", port=port))
    return port


def check_host(host: str, allow_remote: bool = False) -> str:
    """Return ``host`` if it is a loopback address, or if ``allow_remote`` is True.

    Typical use::

        check_host("127.0.0.1")                    # fine
        check_host("0.0.0.0", allow_remote=True)   # explicit opt-in
    """
    if not isinstance(host, str):
        raise TypeError(_("A host is a string such as '127.0.0.1', not {value!r}.", value=host))
    if allow_remote:
        return host
    if host == "localhost":
        return host
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise NotLoopbackError(
        _(
            "The course servers listen only on this machine (127.0.0.1 or ::1), not on {host!r}. "
            "Pass allow_remote=True if you really mean to open it to the network.",
            host=host,
        )
    )


def check_bytes(value, name: str = "data") -> bytes:
    """Return ``value`` if it is bytes-like, else raise a hint to call ``.encode()``.

    Typical use::

        check_bytes(b"hi")     # fine
        check_bytes("hi")      # BytesRequiredError: ... use "hi".encode() ...
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        raise BytesRequiredError(
            _(
                "{name} must be bytes, not str: sockets carry bytes. Use {example} to encode the text as UTF-8.",
                name=name,
                example=f"{value[:20]!r}.encode()",
            )
        )
    raise BytesRequiredError(_("{name} must be bytes, not {kind}.", name=name, kind=type(value).__name__))
