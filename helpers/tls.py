"""TLS for the lessons: a course certificate authority and servers that speak TLS.

The certificates come from ``trustme``: a certificate authority made for this kernel only,
never trusted by the system. ``course_ca_file()`` is the file a client trusts; each server
shows one of four certificates (``CERTIFICATES``), so a lesson can watch verification succeed
and fail: signed by an authority the client does not know, for another host name, or expired.

Typical use::

    import socket, ssl, helpers
    srv = helpers.tls_echo_server()
    context = ssl.create_default_context(cafile=helpers.course_ca_file())
    with socket.create_connection(srv.address) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"hello")
            tls.recv(1024)        # -> b'hello'
"""

from __future__ import annotations

import atexit
import datetime
import functools
import os
import shutil
import ssl
import tempfile
import threading

from .background import format_address
from .messages import N_, _
from .servers import EchoServer, HTTPServer, _ThreadPerConnection

__all__ = [
    "CERTIFICATES",
    "HOST_NAMES",
    "course_ca_file",
    "client_context",
    "server_context",
    "tls_echo_server",
    "https_server",
    "TLSEchoServer",
    "HTTPSServer",
]

#: The certificates a course server can show.
CERTIFICATES = ("good", "unknown-authority", "wrong-host", "expired")
#: The names a good certificate is issued for: the ways a lesson reaches a loopback server.
HOST_NAMES = ("localhost", "127.0.0.1", "::1")
#: The only name on the "wrong-host" certificate.
OTHER_HOST = "other.example"
#: A client that never finishes its handshake must not hold a server thread for ever.
HANDSHAKE_TIMEOUT = 5.0

_lock = threading.Lock()


@functools.cache
def _authorities():
    import trustme  # loaded on first use: lessons without TLS never pay for it

    return {
        "course": trustme.CA(organization_name="Socket course"),
        "stranger": trustme.CA(organization_name="Unknown authority"),
    }


@functools.cache
def _leaf(certificate: str):
    authorities = _authorities()
    if certificate == "good":
        return authorities["course"].issue_cert(*HOST_NAMES)
    if certificate == "unknown-authority":
        return authorities["stranger"].issue_cert(*HOST_NAMES)
    if certificate == "wrong-host":
        return authorities["course"].issue_cert(OTHER_HOST)
    now = datetime.datetime.now(datetime.timezone.utc)
    return authorities["course"].issue_cert(
        *HOST_NAMES, not_before=now - datetime.timedelta(days=30), not_after=now - datetime.timedelta(days=1)
    )


def _check_certificate(certificate) -> str:
    if certificate not in CERTIFICATES:
        choices = ", ".join(repr(name) for name in CERTIFICATES)
        raise ValueError(_("certificate is one of {choices}, not {value!r}.", choices=choices, value=certificate))
    return certificate


def course_ca_file() -> str:
    """The path of the course authority's certificate (PEM), to pass as ``cafile``.

    The file lives in a private temporary folder made once per kernel and removed when the kernel
    exits.

    Typical use::

        context = ssl.create_default_context(cafile=helpers.course_ca_file())
    """
    with _lock:
        path = _ca_path()
    return path


@functools.cache
def _ca_path() -> str:
    folder = tempfile.mkdtemp(prefix="course-ca-")  # mode 0700: only this user reads it
    # Without this, every kernel that ever used TLS leaves a folder in /tmp (CI found 320 of them).
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = os.path.join(folder, "course-ca.pem")
    _authorities()["course"].cert_pem.write_to_path(path)
    return path


def client_context() -> ssl.SSLContext:
    """A client context that verifies certificates against the course authority.

    Typical use::

        tls = helpers.client_context().wrap_socket(raw, server_hostname="localhost")
    """
    return ssl.create_default_context(cafile=course_ca_file())


def server_context(certificate: str = "good") -> ssl.SSLContext:
    """A server context that shows one of ``CERTIFICATES`` (for servers a lesson builds itself).

    Typical use::

        context = helpers.server_context("expired")
    """
    leaf = _leaf(_check_certificate(certificate))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    return context


class _TLSThreadPerConnection(_ThreadPerConnection):
    """Accepted connections are TLS sockets at once, so ``stop()`` can shut them down."""

    def get_request(self):
        raw, client_address = self.socket.accept()
        # The handshake waits for the handler thread: accept() must never block on a slow client.
        return self.owner.context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False), client_address


def _with_handshake(handler_class):
    """``handler_class`` with a bounded TLS handshake first; a refused handshake is logged, not an error."""

    class TLSHandler(handler_class):
        def setup(self):
            owner = self.server.owner
            client = format_address(self.client_address)
            self.handshake_ok = False
            try:
                self.request.settimeout(HANDSHAKE_TIMEOUT)
                self.request.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                reason = getattr(exc, "reason", None) or type(exc).__name__
                owner.log.add(_("TLS handshake with {client} failed: {reason}", client=client, reason=reason))
                return
            self.handshake_ok = True
            owner.log.add(_("TLS handshake with {client}: {version}", client=client, version=self.request.version()))
            super().setup()

        def handle(self):
            if self.handshake_ok:
                super().handle()

        def finish(self):
            if self.handshake_ok:
                super().finish()

    TLSHandler.__name__ = f"TLS{handler_class.__name__}"
    return TLSHandler


class TLSEchoServer(EchoServer):
    """The echo server over TLS, showing one of ``CERTIFICATES``."""

    kind = N_("TLS echo server")
    server_class = _TLSThreadPerConnection

    def __init__(self, certificate: str = "good", **kwargs):
        self.certificate = _check_certificate(certificate)
        self.context = server_context(certificate)
        super().__init__(**kwargs)

    def _handler_class(self):
        return _with_handshake(super()._handler_class())


class HTTPSServer(HTTPServer):
    """The course's HTTP server over TLS, showing one of ``CERTIFICATES``."""

    kind = N_("HTTPS server")
    scheme = "https"
    server_class = _TLSThreadPerConnection

    def __init__(self, directory=".", certificate: str = "good", **kwargs):
        self.certificate = _check_certificate(certificate)
        self.context = server_context(certificate)
        super().__init__(directory, **kwargs)

    def _handler_class(self):
        plain = super()._handler_class()  # functools.partial(handler, directory=...)
        return functools.partial(_with_handshake(plain.func), *plain.args, **plain.keywords)


def tls_echo_server(certificate: str = "good", **kwargs) -> TLSEchoServer:
    """Start a TLS echo server that shows ``certificate`` (one of ``CERTIFICATES``).

    Typical use::

        srv = helpers.tls_echo_server("wrong-host")
        context.wrap_socket(socket.create_connection(srv.address), server_hostname="localhost")
        # -> ssl.SSLCertVerificationError: Hostname mismatch ...
    """
    return TLSEchoServer(certificate, **kwargs)


def https_server(directory=".", certificate: str = "good", **kwargs) -> HTTPSServer:
    """Start an HTTPS server for the files in ``directory``; ``srv.url`` is its address.

    Typical use::

        srv = helpers.https_server("web")
        urllib.request.urlopen(srv.url, context=helpers.client_context()).read()
    """
    return HTTPSServer(directory, certificate, **kwargs)

