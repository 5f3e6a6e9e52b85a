"""The TLS helpers: the course authority, the four certificates and the servers that speak TLS."""

from __future__ import annotations

import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest
from websockets.sync.client import connect as sync_connect

import helpers
from helpers import tls

TIMEOUT = 10


def tls_echo(address, payload: bytes, hostname: str = "localhost", context=None) -> bytes:
    """Send payload over TLS and read back exactly as many bytes."""
    context = context or helpers.client_context()
    with socket.create_connection(address, timeout=TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname=hostname) as conn:
            conn.sendall(payload)
            got = bytearray()
            while len(got) < len(payload):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                got += chunk
    return bytes(got)


def verify_code(address, hostname: str = "localhost", context=None):
    """The verify_code of a refused handshake, or None when the handshake succeeds."""
    context = context or helpers.client_context()
    try:
        with socket.create_connection(address, timeout=TIMEOUT) as raw:
            with context.wrap_socket(raw, server_hostname=hostname):
                return None
    except ssl.SSLCertVerificationError as exc:
        return exc.verify_code


def test_good_certificate_echoes_for_every_loopback_name():
    """The good certificate verifies for localhost, 127.0.0.1 and ::1, and a large payload echoes whole."""
    payload = bytes(range(256)) * 1200
    with helpers.tls_echo_server() as srv:
        assert tls_echo(srv.address, payload) == payload
        assert tls_echo(srv.address, b"ip", hostname="127.0.0.1") == b"ip"
        srv.check()
    if socket.has_ipv6:
        try:
            v6 = helpers.tls_echo_server(host="::1")
        except OSError:
            pytest.skip("no IPv6 loopback on this machine")
        with v6:
            assert tls_echo(v6.address, b"six", hostname="::1") == b"six"


@pytest.mark.parametrize(("certificate", "code"), [("unknown-authority", 20), ("wrong-host", 62), ("expired", 10)])
def test_bad_certificates_are_refused_with_their_code(certificate, code):
    """Each bad certificate fails verification with its OpenSSL code, and the server logs the alert, not an error."""
    with helpers.tls_echo_server(certificate) as srv:
        assert verify_code(srv.address) == code
        srv.stop()
        assert any("TLS handshake with" in line and "failed" in line for line in srv.log), list(srv.log)
        assert srv.errors == []


def test_system_authorities_do_not_trust_the_course():
    """A default context (the system's authorities) refuses even the good course certificate."""
    with helpers.tls_echo_server() as srv:
        assert verify_code(srv.address, context=ssl.create_default_context()) == 20


def test_unknown_certificate_name_is_refused():
    """A certificate name outside CERTIFICATES is refused with a message that lists the choices."""
    with pytest.raises(ValueError, match="wrong-host"):
        helpers.tls_echo_server("self-signed")


def test_course_ca_file_is_private_and_stable():
    """course_ca_file() is the same file every time, in a folder only this user can open."""
    import os
    import stat

    path = helpers.course_ca_file()
    assert path == helpers.course_ca_file()
    assert open(path, encoding="ascii").read().startswith("-----BEGIN CERTIFICATE-----")
    if os.name == "posix":
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700


def test_course_ca_folder_is_removed_when_the_process_exits():
    """The private folder of course_ca_file() is gone once the Python process (a kernel) has exited."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(helpers.__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", "import helpers; print(helpers.course_ca_file())"],
                          cwd=repo, capture_output=True, text=True, timeout=120, check=True)
    path = done.stdout.strip()
    assert path.endswith("course-ca.pem"), done.stdout + done.stderr
    assert not os.path.exists(os.path.dirname(path))


def test_silent_client_does_not_hold_the_server(monkeypatch):
    """A client that connects and never starts its handshake is dropped after the handshake timeout."""
    monkeypatch.setattr(tls, "HANDSHAKE_TIMEOUT", 0.3)
    with helpers.tls_echo_server() as srv:
        with socket.create_connection(srv.address, timeout=TIMEOUT) as silent:
            silent.settimeout(5)
            assert silent.recv(1) == b""  # the server gave up and closed
        assert tls_echo(srv.address, b"still serving") == b"still serving"


def test_https_server_serves_files_only_to_verifying_clients(tmp_path):
    """https_server serves a file to a client that trusts the course, and urllib refuses it without."""
    (tmp_path / "hello.txt").write_text("hi over https", encoding="utf-8")
    with helpers.https_server(tmp_path) as web:
        assert web.url.startswith("https://127.0.0.1:")
        with urllib.request.urlopen(web.url + "hello.txt", context=helpers.client_context(), timeout=TIMEOUT) as r:
            assert r.read() == b"hi over https"
        with pytest.raises(urllib.error.URLError) as caught:
            urllib.request.urlopen(web.url + "hello.txt", context=ssl.create_default_context(), timeout=TIMEOUT)
        assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)


def test_smtp_starttls_refuses_mail_before_tls():
    """smtp_server(starttls=True) refuses MAIL before STARTTLS and accepts it after."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "tls"
    message.set_content("body")
    with helpers.smtp_server(starttls=True) as mail:
        with smtplib.SMTP(mail.host, mail.port, timeout=TIMEOUT) as client:
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                client.send_message(message)
            assert refused.value.smtp_code == 530
        with smtplib.SMTP(mail.host, mail.port, timeout=TIMEOUT) as client:
            client.starttls(context=helpers.client_context())
            client.send_message(message)
        assert [m["Subject"] for m in mail.messages] == ["tls"]


def test_wss_echo_server():
    """ws_echo_server(certificate="good") serves wss:// and echoes through a verifying client."""
    with helpers.ws_echo_server(certificate="good") as wss:
        assert wss.url.startswith("wss://")
        with sync_connect(wss.url, ssl=helpers.client_context(), open_timeout=TIMEOUT) as ws:
            ws.send("over tls")
            assert ws.recv(timeout=TIMEOUT) == "over tls"
