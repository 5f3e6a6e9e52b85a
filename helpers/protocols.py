"""Real SMTP and FTP servers for the internet-protocols lesson (aiosmtpd, pyftpdlib).

Typical use::

    import smtplib, ftplib, helpers
    mail = helpers.smtp_server()
    with smtplib.SMTP(*mail.address, timeout=5) as client:
        client.sendmail("a@example.org", ["b@example.org"], "Subject: hi\\r\\n\\r\\nHello")
    mail.messages[0]["Subject"]    # 'hi'

    ftp = helpers.ftp_server("files")
    with ftplib.FTP() as client:
        client.connect(*ftp.address, timeout=5)
        client.login(ftp.user, ftp.password)
        client.nlst()
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import os
import socket
import threading

import warnings

from aiosmtpd.smtp import SMTP

# pyftpdlib still imports asyncore/asynchat on Python 3.11; their DeprecationWarning is the
# library's business, not the student's, so it is silenced for this import only.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.ioloop import IOLoop
    from pyftpdlib.servers import FTPServer as _PyFTPServer

from .background import BackgroundServer
from .messages import N_, _

__all__ = ["SMTPServer", "FTPServer", "smtp_server", "ftp_server"]

# Server threads never print: silence the libraries' own loggers.
for _name in ("mail.log", "pyftpdlib"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False

#: Seconds the SMTP thread waits for its connections to close when it stops.
_SMTP_CLOSE_WAIT = 2.0

#: How often the FTP loop checks whether it should stop (pyftpdlib has no wake-up call).
_FTP_POLL = 0.05


def _bound_listener(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(64)
    sock.setblocking(False)
    return sock


class SMTPServer(BackgroundServer):
    """An SMTP server (aiosmtpd) that keeps every message it receives in ``messages``."""

    kind = N_("SMTP server")

    def __init__(self, *, starttls: bool = False, **kwargs):
        #: True: the server offers STARTTLS (course certificate) and refuses mail before it.
        self.starttls = bool(starttls)
        #: Received messages as ``email.message.EmailMessage`` objects, oldest first.
        self.messages: list = []
        #: The SMTP envelopes ``(sender, recipients)``, one per message.
        self.envelopes: list[tuple[str, list[str]]] = []
        super().__init__(**kwargs)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.log.add(_("message from {sender} to {recipients}", sender=envelope.mail_from, recipients=", ".join(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def _open(self, host, port):
        self._listener = _bound_listener(host, port)
        self._loop = asyncio.new_event_loop()
        self._stop_requested = asyncio.Event()
        return self._listener.getsockname()

    def _protocol(self):
        if not self.starttls:
            return SMTP(self, hostname="localhost")
        from .tls import server_context  # trustme loads only for a STARTTLS server

        return SMTP(self, hostname="localhost", tls_context=server_context(), require_starttls=True)

    async def _main(self):
        server = await self._loop.create_server(self._protocol, sock=self._listener)
        try:
            await self._stop_requested.wait()
        finally:
            server.close()
            try:  # bounded: from Python 3.12 on, wait_closed() also waits for open clients
                await asyncio.wait_for(server.wait_closed(), _SMTP_CLOSE_WAIT)
            except TimeoutError:
                pass

    def _serve(self):
        # The asyncio server lives entirely in this thread's loop: the caller's thread may
        # already run a loop (a notebook kernel does), where run_until_complete fails.
        # Clients that connect before the loop starts wait in the listener's backlog.
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    def _shutdown(self):
        try:
            self._loop.call_soon_threadsafe(self._stop_requested.set)
        except RuntimeError:
            pass  # the loop has already ended

    def _close(self):
        self._listener.close()


class FTPServer(BackgroundServer):
    """An FTP server (pyftpdlib) serving the folder ``root`` to one user."""

    kind = N_("FTP server")

    def __init__(self, root=".", user: str = "student", password: str = "sockets", writable: bool = True, **kwargs):
        root = os.fspath(root)
        if not os.path.isdir(root):
            raise FileNotFoundError(_("No such folder: {path}", path=root))
        self.root = os.path.abspath(root)
        self.user = user
        self.password = password
        self._permissions = "elradfmw" if writable else "elr"
        self._stop_requested = threading.Event()
        super().__init__(**kwargs)

    def _open(self, host, port):
        authorizer = DummyAuthorizer()
        authorizer.add_user(self.user, self.password, self.root, perm=self._permissions)
        owner = self

        class CourseFTPHandler(FTPHandler):
            def on_login(self, username):
                owner.log.add(_("{user} logged in", user=username))

            def on_file_received(self, file):
                owner.log.add(_("received {name}", name=os.path.basename(file)))

            def on_file_sent(self, file):
                owner.log.add(_("sent {name}", name=os.path.basename(file)))

        CourseFTPHandler.authorizer = authorizer
        CourseFTPHandler.passive_ports = None
        CourseFTPHandler.masquerade_address = None
        self._ioloop = IOLoop()
        self._server = _PyFTPServer(_bound_listener(host, port), CourseFTPHandler, ioloop=self._ioloop)
        return self._server.socket.getsockname()

    def _serve(self):
        while not self._stop_requested.is_set():
            self._server.serve_forever(timeout=_FTP_POLL, blocking=False, handle_exit=False)

    def _shutdown(self):
        self._stop_requested.set()

    def _close(self):
        self._server.close_all()


def smtp_server(*, starttls: bool = False, **kwargs) -> SMTPServer:
    """Start an SMTP server on loopback; received mail lands in ``srv.messages``.

    With ``starttls=True`` it offers STARTTLS with the course certificate
    (``helpers.course_ca_file()``) and refuses mail until the client has started TLS.

    Typical use::

        srv = helpers.smtp_server()
        with smtplib.SMTP(*srv.address, timeout=5) as client:
            client.send_message(msg)
        srv.messages[-1]["Subject"]
    """
    return SMTPServer(starttls=starttls, **kwargs)


def ftp_server(root=".", user: str = "student", password: str = "sockets", writable: bool = True, **kwargs) -> FTPServer:
    """Start an FTP server for the folder ``root``; log in with ``srv.user`` / ``srv.password``.

    Typical use::

        srv = helpers.ftp_server("files")
        ftp = ftplib.FTP(); ftp.connect(*srv.address, timeout=5); ftp.login(srv.user, srv.password)
    """
    return FTPServer(root, user=user, password=password, writable=writable, **kwargs)
