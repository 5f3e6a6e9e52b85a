"""Submissions to grade: references, untouched releases, common mistakes and hostile notebooks.

Each one is built from the released notebook, as a student would: only the
solution cells change (plus, for hostile ones, whatever a student could do to
the file). ``failing`` names the test cells that must score 0; every other
test cell must score its full points.

Typical use::

    for case in all_cases():
        course.submit(case.student, case.assignment, case.build(course.released(case.assignment)))
"""

from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass, field
from typing import Callable

from grading_course import ASSIGNMENTS, is_solution, nbgrader_id, reference_sources


@dataclass(frozen=True)
class Case:
    """One student's submission and the score each test cell must get."""

    student: str
    assignment: str
    about: str
    solutions: dict[str, str] = field(default_factory=dict)  # grade_id -> source replacing the reference
    failing: frozenset[str] = frozenset()
    tamper: Callable | None = None  # changes the notebook file itself (hostile cases)
    untouched: bool = False  # submit the released notebook as it is
    hostile: bool = False

    def build(self, released):
        notebook = copy.deepcopy(released)
        if not self.untouched:
            sources = {**reference_sources(self.assignment), **self.solutions}
            for cell in notebook.cells:
                if is_solution(cell):
                    cell.source = sources[nbgrader_id(cell)]
        if self.tamper:
            self.tamper(notebook)
        return notebook


def code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def reference(assignment: str) -> Case:
    return Case(f"reference-{assignment}", assignment, "the reference solution")


def untouched(assignment: str) -> Case:
    return Case(f"untouched-{assignment}", assignment, "the released notebook, unchanged", untouched=True)


# ---- common mistakes --------------------------------------------------------------------------


# Known-wrong a10 solutions: the reference's client with its connection or its error handling replaced.
_A10_REQUEST = """
        import socket

        def request(address, payload, timeout=2.0):
            try:
                with CONNECT as sock:
                    sock.sendall(payload)
                    sock.shutdown(socket.SHUT_WR)
                    chunks = []
                    while chunk := sock.recv(65536):
                        chunks.append(chunk)
                    return "ok", b"".join(chunks)
EXCEPT
        """
_A10_CONNECT = "socket.create_connection(address, timeout=timeout)"


def a10_request(excepts: str, connect: str = _A10_CONNECT) -> str:
    """A request() that connects with `connect` and handles errors with the `except` clauses `excepts`."""
    return code(_A10_REQUEST.replace("CONNECT", connect).replace("EXCEPT", textwrap.indent(textwrap.dedent(excepts).strip("\n"), " " * 12)))


# Known-wrong a13 solutions: the reference's shape with one part changed (the capitalised markers).
_A13_HANDLE = """
        import mimetypes
        from pathlib import Path

        REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}

        def handle_request(conn, folder):
READ
            head = data.partition(b"\\r\\n\\r\\n")[0]
            parts = head.decode("iso-8859-1").split("\\r\\n")[0].split(" ")
            status, body, kind = 404, b"not found", "text/plain"
            if b"\\r\\n\\r\\n" not in data or len(parts) != 3 or not parts[2].startswith("HTTP/"):
                status = 400
            elif parts[0] != "GET":
                status = 405
            else:
PATH
                    status, body = 200, path.read_bytes()
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            conn.sendall((f"HTTP/1.1 {status} {REASONS[status]}\\r\\nContent-Type: {kind}\\r\\n"
HEADERS
            return status
        """
_A13_READ = """            data = b""
            while b"\\r\\n\\r\\n" not in data and len(data) <= 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                data += chunk
"""
_A13_PATH = """                root = Path(folder).resolve()
                path = (root / parts[1].split("?")[0].lstrip("/")).resolve()
                if path.is_relative_to(root) and path.is_file():
"""
_A13_HEADERS = """                          f"Content-Length: {len(body)}\\r\\nConnection: close\\r\\n\\r\\n").encode() + body)
"""


def a13_handle_request(read=_A13_READ, path=_A13_PATH, headers=_A13_HEADERS) -> str:
    """A handle_request() like the reference, with its reading, its path check or its headers replaced."""
    source = _A13_HANDLE
    for marker, text in (("READ", read), ("PATH", path), ("HEADERS", headers)):
        source = source.replace(marker, text.rstrip("\n"))
    return code(source)


# Known-wrong a14 and a15 solutions: the reference's shape with one part changed (the capitalised markers).
_A14_RELAY = """
        import selectors
        import socket

        def relay(listener, count):
            clients = {}
            for _ in range(count):
                conn, _address = listener.accept()
                conn.setblocking(BLOCKING)
                clients[conn] = {"inbox": bytearray(), "outbox": bytearray()}
            selector = selectors.DefaultSelector()
            for conn in clients:
                selector.register(conn, selectors.EVENT_READ)
            received = 0

            def forget(conn):
                selector.unregister(conn)
                conn.close()
                del clients[conn]

            while clients:
                for key, events in selector.select(timeout=1.0):
                    conn = key.fileobj
                    if conn not in clients:
                        continue
                    state = clients[conn]
                    if events & selectors.EVENT_READ:
                        try:
                            data = conn.recv(65536)
                        except (ConnectionResetError, ConnectionAbortedError):
                            data = b""
                        if not data:
                            forget(conn)
                            continue
SPLIT
                        for line in lines:
                            received += COUNT
                            for other, other_state in list(clients.items()):
                                if OTHER:
SEND
                    if events & selectors.EVENT_WRITE and state["outbox"]:
                        try:
                            sent = conn.send(state["outbox"])
                        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                            forget(conn)
                            continue
                        del state["outbox"][:sent]
                        if not state["outbox"]:
                            selector.modify(conn, selectors.EVENT_READ)
            return received
        """
_A14_SPLIT_LINES = """                        state["inbox"] += data
                        *lines, rest = state["inbox"].split(b"\\n")
                        state["inbox"] = bytearray(rest)
"""
_A14_QUEUE = """                                    other_state["outbox"] += line + b"\\n"
                                    selector.modify(other, selectors.EVENT_READ | selectors.EVENT_WRITE)
"""


def a14_relay(blocking="False", split=_A14_SPLIT_LINES, count="1", other="other is not conn", send=_A14_QUEUE) -> str:
    """A relay() like the reference, with one of its parts replaced."""
    parts = {"BLOCKING": blocking, "SPLIT": split.rstrip("\n"), "COUNT": count, "OTHER": other, "SEND": send.rstrip("\n")}
    source = _A14_RELAY
    for marker, text in parts.items():
        source = source.replace(marker, text)
    return code(source)


_A15_SEND_MAIL = """
        import socket

        def send_mail(address, sender, recipient, lines):
            with socket.create_connection(address) as conn, conn.makefile("rb") as replies:

                def reply():
                    texts = []
                    while True:
                        line = replies.readline(1024).decode("utf-8", errors="replace").rstrip("\\r\\n")
                        if len(line) < 3:
                            raise RuntimeError("000 the server closed the connection")
                        texts.append(line[4:])
                        if line[3:4] != "-":
                            return int(line[:3]), " ".join(texts)

                def expect(wanted, text=None):
                    if text is not None:
                        conn.sendall(text.encode("utf-8") + b"\\r\\n")
                    code, words = reply()
CHECK
                    return code

                expect(220)
                expect(250, "EHLO student.example")
                expect(250, f"MAIL FROM:<{sender}>")
                expect(250, f"RCPT TO:<{recipient}>")
                expect(354, "DATA")
                for line in lines:
STUFF
                code = expect(250, ".")
                conn.sendall(b"QUIT\\r\\n")
                reply()
            return code
        """
_A15_CHECK = """                    if code != wanted:
                        conn.sendall(b"QUIT\\r\\n")
                        raise RuntimeError(f"{code} {words}")
"""
_A15_STUFF = """                    conn.sendall((("." + line) if line[:1] == "." else line).encode("utf-8") + b"\\r\\n")
"""


def a15_send_mail(check=_A15_CHECK, stuff=_A15_STUFF) -> str:
    """A send_mail() like the reference, with its reply check or its dot-stuffing replaced."""
    return code(_A15_SEND_MAIL.replace("CHECK", check.rstrip("\n")).replace("STUFF", stuff.rstrip("\n")))

MISTAKES = [
    Case("a1-udp-is-tcp", "a1-sockets", "make_udp_socket() copied from make_tcp_socket()", {"make_sockets": code('''
        import socket

        def make_tcp_socket():
            return socket.socket(socket.AF_INET, socket.SOCK_STREAM)

        def make_udp_socket():
            return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ''')}, frozenset({"udp_socket_is_ipv4_datagram"})),
    Case("a1-closed-socket", "a1-sockets", "a `with` block closes the socket before returning it", {"make_sockets": code('''
        import socket

        def make_tcp_socket():
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                return sock

        def make_udp_socket():
            return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        ''')}, frozenset({"tcp_socket_is_ipv4_stream"})),
    Case("a1-str-names", "a1-sockets", "str() of the enums instead of their names", {"describe_socket": code('''
        def describe_socket(sock):
            return (str(sock.family), str(sock.type))
        ''')}, frozenset({"describe_socket_names_family_and_type"})),
    Case("a10-catch-all", "a10-errors", "one `except OSError` for everything: every failure is called refused",
         {"request": a10_request("""
             except OSError:
                 return "refused", b""
         """)}, frozenset({"request_reports_refused_and_timeout", "request_reports_reset"})),
    Case("a10-no-timeout", "a10-errors", "ignores its timeout argument",
         {"request": a10_request("""
             except ConnectionRefusedError:
                 return "refused", b""
             except TimeoutError:
                 return "timeout", b""
             except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                 return "reset", b""
         """, connect="socket.create_connection(address)")}, frozenset({"request_reports_refused_and_timeout"})),
    Case("a10-reset-as-timeout", "a10-errors", "reports a reset as a timeout",
         {"request": a10_request("""
             except ConnectionRefusedError:
                 return "refused", b""
             except (TimeoutError, ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
                 return "timeout", b""
         """)}, frozenset({"request_reports_reset"})),
    Case("a11-timeout-escapes", "a11-pinger", "lets the TimeoutError of a lost ping escape", {"ping": code("""
        import socket
        import time

        def ping(address, count, timeout=0.2):
            times = []
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                for number in range(1, count + 1):
                    message = f"ping {number}".encode()
                    began = time.perf_counter()
                    sock.sendto(message, address)
                    while True:
                        reply, _sender = sock.recvfrom(2048)
                        if reply == message:
                            times.append((time.perf_counter() - began) * 1000)
                            break
            received = len(times)
            return {"sent": count, "received": received, "loss": (count - received) / count,
                    "min": min(times), "avg": sum(times) / received, "max": max(times)}
        """)}, frozenset({"ping_counts_lost_pings", "ping_ignores_stray_replies"})),
    Case("a11-any-reply", "a11-pinger", "takes any datagram for the reply", {"ping": code("""
        import socket
        import time

        def ping(address, count, timeout=0.2):
            times = []
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                for number in range(1, count + 1):
                    began = time.perf_counter()
                    sock.sendto(f"ping {number}".encode(), address)
                    try:
                        sock.recvfrom(2048)
                    except TimeoutError:
                        continue
                    times.append((time.perf_counter() - began) * 1000)
            received = len(times)
            return {"sent": count, "received": received, "loss": (count - received) / count,
                    "min": min(times) if times else None, "avg": sum(times) / received if times else None,
                    "max": max(times) if times else None}
        """)}, frozenset({"ping_ignores_stray_replies"})),
    Case("a12-no-verify", "a12-tls", "switches verification off (CERT_NONE) to make errors go away", {"tls_exchange": code("""
        import socket
        import ssl

        def tls_exchange(address, hostname, payload, cafile):
            context = ssl.create_default_context(cafile=cafile)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with socket.create_connection(address) as raw:
                with context.wrap_socket(raw, server_hostname=hostname) as tls:
                    tls.sendall(payload)
                    received = b""
                    while len(received) < len(payload):
                        chunk = tls.recv(65536)
                        if not chunk:
                            break
                        received += chunk
            return received
        """)}, frozenset({"tls_exchange_verifies"})),
    Case("a12-one-recv", "a12-tls", "reads the reply with a single recv(), one TLS record", {"tls_exchange": code("""
        import socket
        import ssl

        def tls_exchange(address, hostname, payload, cafile):
            context = ssl.create_default_context(cafile=cafile)
            with socket.create_connection(address) as raw:
                with context.wrap_socket(raw, server_hostname=hostname) as tls:
                    tls.sendall(payload)
                    return tls.recv(len(payload) or 1)
        """)}, frozenset({"tls_exchange_echoes"})),
    Case("a12-every-error-unknown", "a12-tls", "calls every verification failure an unknown authority", {"check_certificate": code("""
        def check_certificate(address, hostname, cafile):
            context = ssl.create_default_context(cafile=cafile)
            try:
                with socket.create_connection(address) as raw:
                    with context.wrap_socket(raw, server_hostname=hostname):
                        return "ok"
            except ssl.SSLCertVerificationError:
                return "unknown-authority"
        """)}, frozenset({"check_certificate_names_the_problem"})),
    Case("a13-one-recv", "a13-http-server", "reads the request with a single recv()",
         {"handle_request": a13_handle_request(read="            data = conn.recv(65536)\n")},
         frozenset({"handle_request_reads_whole_head"})),
    Case("a13-path-traversal", "a13-http-server", "joins the target to the folder without checking where it leads",
         {"handle_request": a13_handle_request(path=(
             '                path = Path(folder) / parts[1].split("?")[0].lstrip("/")\n'
             "                if path.is_file():\n"))},
         frozenset({"handle_request_answers_errors"})),
    Case("a13-no-content-length", "a13-http-server", "sends no Content-Length header",
         {"handle_request": a13_handle_request(headers='                          "Connection: close\\r\\n\\r\\n").encode() + body)\n')},
         frozenset({"handle_request_serves_files", "handle_request_answers_errors"})),
    Case("a14-back-to-sender", "a14-chat", "relays each line to every client, its sender included",
         {"relay": a14_relay(other="True")}, frozenset({"relay_passes_lines_to_others"})),
    Case("a14-passes-pieces", "a14-chat", "passes on whatever recv() returned, not whole lines",
         {"relay": a14_relay(split="                        lines = [data[:-1]]  # whatever arrived, as if it were one line\n",
                             count='data.count(b"\\n") if line is lines[0] else 0',
                             send=_A14_QUEUE.replace('line + b"\\n"', "data"))},
         frozenset({"relay_sends_whole_lines"})),
    Case("a14-blocking-sendall", "a14-chat", "sendall() to each client in the loop: one slow reader stalls the rest",
         {"relay": a14_relay(blocking="True", send=(
             "                                    try:\n"
             '                                        other.sendall(line + b"\\n")  # waits while other does not read\n'
             "                                    except OSError:\n"
             "                                        pass\n"))},
         frozenset({"relay_never_waits_on_one_client"})),
    Case("a15-no-dot-stuffing", "a15-smtp", "sends lines that start with a dot as they are",
         {"send_mail": a15_send_mail(stuff='                    conn.sendall(line.encode("utf-8") + b"\\r\\n")\n')},
         frozenset({"send_mail_stuffs_dots"})),
    Case("a15-ignores-codes", "a15-smtp", "never checks the reply codes",
         {"send_mail": a15_send_mail(check="                    # the code is read but never checked\n")},
         frozenset({"send_mail_stops_on_errors"})),
    Case("a2-single-recv", "a2-tcp-client", "a single recv(1024) instead of reading until EOF", {
        "fetch_greeting": code('''
        import socket

        def fetch_greeting(address):
            with socket.create_connection(address) as sock:
                return sock.recv(1024).decode("utf-8")
        '''),
        "echo_roundtrip": code('''
        def echo_roundtrip(address, data):
            with socket.create_connection(address) as sock:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
                return sock.recv(1024)
        ''')},
        frozenset({"fetch_greeting_reads_whole_text", "echo_roundtrip_returns_every_byte", "echo_roundtrip_handles_megabytes"})),
    Case("a2-no-half-close", "a2-tcp-client", "never tells the echo server that the data ended", {"echo_roundtrip": code('''
        import threading

        def echo_roundtrip(address, data):
            with socket.create_connection(address) as sock:
                sender = threading.Thread(target=sock.sendall, args=(data,), daemon=True)
                sender.start()
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
                return b"".join(chunks)
        ''')}, frozenset({"echo_roundtrip_returns_every_byte", "echo_roundtrip_handles_megabytes", "tcp_clients_close_their_sockets"})),
    Case("a2-send-then-read", "a2-tcp-client", "sends every byte before reading any: deadlocks on megabytes", {"echo_roundtrip": code('''
        def echo_roundtrip(address, data):
            with socket.create_connection(address) as sock:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
                return b"".join(chunks)
        ''')}, frozenset({"echo_roundtrip_handles_megabytes"})),
    Case("a2-decode-per-chunk", "a2-tcp-client", "decodes each recv() result on its own", {"fetch_greeting": code('''
        import socket

        def fetch_greeting(address):
            text = ""
            with socket.create_connection(address) as sock:
                while chunk := sock.recv(4096):
                    text += chunk.decode("utf-8")
            return text
        ''')}, frozenset({"fetch_greeting_reads_whole_text"})),
    Case("a2-leaks-sockets", "a2-tcp-client", "never closes its sockets", {
        "fetch_greeting": code('''
        import socket

        def fetch_greeting(address):
            sock = socket.create_connection(address)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            return b"".join(chunks).decode("utf-8")
        ''')}, frozenset({"tcp_clients_close_their_sockets"})),
    Case("a3-single-recv", "a3-tcp-server", "echoes one recv(1024) and returns", {"handle_echo": code('''
        def handle_echo(conn):
            data = conn.recv(1024)
            conn.sendall(data)
            return len(data)
        ''')}, frozenset({"handle_echo_echoes_until_client_closes", "handle_echo_returns_byte_count"})),
    Case("a3-one-client", "a3-tcp-server", "greets one client only", {"serve_greeting": code('''
        def serve_greeting(listener, message, clients):
            conn, address = listener.accept()
            with conn:
                conn.sendall(message.encode("utf-8"))
            return [address]
        ''')}, frozenset({"serve_greeting_serves_each_client", "serve_greeting_returns_client_addresses"})),
    Case("a3-no-close", "a3-tcp-server", "forgets to close each client's connection", {"serve_greeting": code('''
        def serve_greeting(listener, message, clients):
            addresses = []
            for _ in range(clients):
                conn, address = listener.accept()
                conn.sendall(message.encode("utf-8"))
                addresses.append(address)
            return addresses
        ''')}, frozenset({"serve_greeting_serves_each_client", "serve_greeting_returns_client_addresses"})),
    Case("a4-no-retry", "a4-udp", "sends once and gives up", {"udp_request": code('''
        import socket

        def udp_request(address, payload, timeout=0.5, retries=3):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                sock.sendto(payload, address)
                try:
                    return sock.recvfrom(65535)[0]
                except TimeoutError:
                    return None
        ''')}, frozenset({"udp_request_retries_after_loss", "udp_request_gives_up"})),
    Case("a4-off-by-one", "a4-udp", "sends `retries` times instead of 1 + retries", {"udp_request": code('''
        import socket

        def udp_request(address, payload, timeout=0.5, retries=3):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                for _ in range(retries):
                    sock.sendto(payload, address)
                    try:
                        return sock.recvfrom(65535)[0]
                    except TimeoutError:
                        pass
            return None
        ''')}, frozenset({"udp_request_returns_reply", "udp_request_retries_after_loss", "udp_request_gives_up"})),
    Case("a5-raw-sockaddr", "a5-names", "returns getaddrinfo's sockaddrs as they come, for every socket type", {"tcp_endpoints": code('''
        import socket

        def tcp_endpoints(host, port):
            return [info[4] for info in socket.getaddrinfo(host, port)]
        ''')}, frozenset({"tcp_endpoints_lists_distinct_pairs"})),
    Case("a5-colon-check", "a5-names", "decides by looking for a colon, never raises", {"ip_version": code('''
        def ip_version(address):
            return 6 if ":" in address else 4
        ''')}, frozenset({"ip_version_rejects_other_text"})),
    Case("a6-off-by-one", "a6-websockets", "collects one message too many", {"collect_messages": code('''
        from websockets.asyncio.client import connect

        async def collect_messages(uri, count):
            messages = []
            async with connect(uri) as websocket:
                while len(messages) <= count:
                    messages.append(await websocket.recv())
            return messages
        ''')}, frozenset({"collect_messages_returns_first_messages", "collect_messages_reads_any_server"})),
    Case("a6-missing-await", "a6-websockets", "calls websocket.send() without await", {"greet": code('''
        async def greet(websocket):
            name = await websocket.recv()
            websocket.send(f"Hello, {name}!")
        ''')}, frozenset({"greet_replies_hello_name"})),
    Case("a7-raises-on-404", "a7-protocols", "lets urllib's HTTPError escape", {"http_get": code('''
        import urllib.request

        def http_get(url):
            with urllib.request.urlopen(url) as response:
                return response.status, response.read()
        ''')}, frozenset({"http_get_reports_error_status"})),
    Case("a7-decoded-body", "a7-protocols", "decodes the body to text", {"http_get": code('''
        import urllib.error
        import urllib.request

        def http_get(url):
            try:
                with urllib.request.urlopen(url) as response:
                    return response.status, response.read().decode("utf-8")
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode("utf-8")
        ''')}, frozenset({"http_get_returns_status_and_body", "http_get_reports_error_status"})),
    Case("a7-raw-sendmail", "a7-protocols", "sends the body alone with sendmail(): no headers", {"send_email": code('''
        import smtplib

        def send_email(server_address, sender, recipient, subject, body):
            with smtplib.SMTP(*server_address) as client:
                client.sendmail(sender, [recipient], body.encode("utf-8"))
        ''')}, frozenset({"send_email_delivers_message"})),
    Case("a9-one-at-a-time", "a9-many-clients", "serves one client to the end before accepting the next", {"serve_clients": code("""
        def serve_clients(listener, count):
            total = 0
            for _ in range(count):
                conn, _address = listener.accept()
                with conn:
                    while data := conn.recv(65536):
                        conn.sendall(data)
                        total += len(data)
            return total
        """)}, frozenset({"serve_clients_answers_everyone_at_once"})),
    Case("a9-returns-early", "a9-many-clients", "returns once it has accepted everyone, without waiting for its threads", {"serve_clients": code("""
        import threading

        def serve_clients(listener, count):
            totals = []

            def echo(conn):
                echoed = 0
                with conn:
                    while data := conn.recv(65536):
                        conn.sendall(data)
                        echoed += len(data)
                totals.append(echoed)

            for _ in range(count):
                conn, _address = listener.accept()
                threading.Thread(target=echo, args=(conn,), daemon=True).start()
            return sum(totals)
        """)}, frozenset({"serve_clients_returns_bytes_echoed"})),
    Case("a9-single-recv", "a9-many-clients", "each thread echoes one recv() and closes", {"serve_clients": code("""
        import threading

        def serve_clients(listener, count):
            totals = []

            def echo(conn):
                with conn:
                    data = conn.recv(1024)
                    conn.sendall(data)
                totals.append(len(data))

            workers = []
            for _ in range(count):
                conn, _address = listener.accept()
                worker = threading.Thread(target=echo, args=(conn,), daemon=True)
                worker.start()
                workers.append(worker)
            for worker in workers:
                worker.join()
            return sum(totals)
        """)}, frozenset({"serve_clients_echoes_every_byte"})),
    Case("a8-no-newline", "a8-framing", "send_line() sends the text without its newline", {"send_line": code(r"""
        def send_line(sock, text):
            if "\n" in text:
                raise ValueError("a line cannot contain a newline")
            sock.sendall(text.encode("utf-8"))
        """)}, frozenset({"send_line_sends_whole_line"})),
    Case("a8-send-not-sendall", "a8-framing", "send_line() calls send(), which may send only part", {"send_line": code(r"""
        def send_line(sock, text):
            if "\n" in text:
                raise ValueError("a line cannot contain a newline")
            sock.send(text.encode("utf-8") + b"\n")
        """)}, frozenset({"send_line_sends_whole_line"})),
    Case("a8-drops-leftover", "a8-framing", "read_line() throws away the bytes after the first newline", {"line_reader": code(r"""
        class LineReader:
            def __init__(self, sock, limit=65536):
                self.sock = sock
                self.limit = limit

            def read_line(self):
                data = b""
                while b"\n" not in data:
                    if len(data) > self.limit:
                        raise ValueError("line too long")
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        if data:
                            raise ConnectionError("closed in the middle of a line")
                        return None
                    data += chunk
                line = data.split(b"\n", 1)[0]
                if len(line) > self.limit:
                    raise ValueError("line too long")
                return line.decode("utf-8")
        """)}, frozenset({"read_line_keeps_leftover_bytes"})),
    Case("a8-no-limit", "a8-framing", "read_line() never checks the size limit", {"line_reader": code(r"""
        class LineReader:
            def __init__(self, sock, limit=65536):
                self.sock = sock
                self.limit = limit
                self.buffer = b""

            def read_line(self):
                while b"\n" not in self.buffer:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        if self.buffer:
                            raise ConnectionError("closed in the middle of a line")
                        return None
                    self.buffer += chunk
                line, self.buffer = self.buffer.split(b"\n", 1)
                return line.decode("utf-8")
        """)}, frozenset({"read_line_rejects_bad_lines"})),
]


# ---- hostile submissions: graded together in one batch --------------------------------------------

def _replace_test(grade_id: str, source: str):
    def tamper(notebook):
        for cell in notebook.cells:
            if nbgrader_id(cell) == grade_id:
                cell.source = source

    return tamper


def _delete_test(grade_id: str):
    def tamper(notebook):
        notebook.cells = [cell for cell in notebook.cells if nbgrader_id(cell) != grade_id]

    return tamper


def _unmark_and_replace_test(grade_id: str, source: str):
    """The student turns the test cell into an ordinary cell (metadata gone) that passes."""

    def tamper(notebook):
        for cell in notebook.cells:
            if nbgrader_id(cell) == grade_id:
                cell.metadata = {}
                cell.source = source

    return tamper


def _unflag_test(grade_id: str):
    """The student clears the cell's "grade" flag (and its points), keeping its id: nbgrader would not score it."""

    def tamper(notebook):
        for cell in notebook.cells:
            if nbgrader_id(cell) == grade_id:
                cell.metadata["nbgrader"]["grade"] = False
                cell.metadata["nbgrader"].pop("points", None)

    return tamper


def _empty_test_metadata(grade_id: str):
    """The student's editor leaves the test cell's metadata as ``"nbgrader": {}`` (nbgrader: KeyError 'grade_id')."""

    def tamper(notebook):
        for cell in notebook.cells:
            if nbgrader_id(cell) == grade_id:
                cell.metadata["nbgrader"] = {}

    return tamper


_NO_RETRY = MISTAKES[[m.student for m in MISTAKES].index("a4-no-retry")]
_A3_SINGLE_RECV = MISTAKES[[m.student for m in MISTAKES].index("a3-single-recv")]

HOSTILE = [
    Case("hostile-infinite-loop", "a2-tcp-client", "fetch_greeting() never stops (no `if not chunk: break`)",
         {"fetch_greeting": code('''
        import socket

        def fetch_greeting(address):
            chunks = []
            with socket.create_connection(address) as sock:
                while True:
                    chunks.append(sock.recv(65536))
        ''')}, frozenset({"fetch_greeting_reads_whole_text", "tcp_clients_close_their_sockets"}), hostile=True),
    Case("hostile-blocking-accept", "a3-tcp-server", "removes the timeout and waits for one client too many",
         {"serve_greeting": code('''
        def serve_greeting(listener, message, clients):
            listener.settimeout(None)
            addresses = []
            for _ in range(clients + 1):
                conn, address = listener.accept()
                with conn:
                    conn.sendall(message.encode("utf-8"))
                addresses.append(address)
            return addresses
        ''')}, frozenset({"serve_greeting_serves_each_client", "serve_greeting_returns_client_addresses"}), hostile=True),
    Case("hostile-swallows-interrupt", "a5-names", "tcp_endpoints() loops forever and ignores KeyboardInterrupt",
         {"tcp_endpoints": code('''
        import time

        def tcp_endpoints(host, port):
            while True:
                try:
                    time.sleep(0.05)
                except KeyboardInterrupt:
                    pass
        ''')}, frozenset({"tcp_endpoints_lists_distinct_pairs"}), hostile=True),
    Case("hostile-sys-exit", "a1-sockets", "describe_socket() calls sys.exit(), and so does a top-level line",
         {"describe_socket": code('''
        import sys

        def describe_socket(sock):
            sys.exit("bye")
        '''), "make_sockets": reference_sources("a1-sockets")["make_sockets"] + "\n\nimport sys\nsys.exit(0)"},
         frozenset({"describe_socket_names_family_and_type"}), hostile=True),
    Case("hostile-os-exit", "a3-tcp-server", "kills the kernel with os._exit() right after defining serve_greeting()",
         {"serve_greeting": reference_sources("a3-tcp-server")["serve_greeting"] + "\n\nimport os\nos._exit(1)"},
         frozenset({"serve_greeting_serves_each_client", "serve_greeting_returns_client_addresses"}), hostile=True),
    Case("hostile-deleted-test", "a4-udp", "a wrong solution whose failing test cell was deleted",
         _NO_RETRY.solutions, _NO_RETRY.failing, tamper=_delete_test("udp_request_retries_after_loss"), hostile=True),
    Case("hostile-edited-test", "a4-udp", "a wrong solution whose failing test was edited to pass",
         _NO_RETRY.solutions, _NO_RETRY.failing, hostile=True, tamper=_replace_test(
             "udp_request_gives_up",
             '"""udp_request() gives up."""\nassert udp_request is not None  # much easier now',
         )),
    Case("hostile-pass-test", "a4-udp", "a wrong solution whose failing test cell became `pass`, metadata and all",
         _NO_RETRY.solutions, _NO_RETRY.failing, hostile=True,
         tamper=_unmark_and_replace_test("udp_request_retries_after_loss", "pass")),
    Case("hostile-unflagged-test", "a4-udp", "a wrong solution whose failing test cell is no longer marked as a test",
         _NO_RETRY.solutions, _NO_RETRY.failing, hostile=True, tamper=_unflag_test("udp_request_gives_up")),
    Case("hostile-empty-metadata", "a4-udp", "a wrong solution whose failing test cell has `\"nbgrader\": {}` as metadata",
         _NO_RETRY.solutions, _NO_RETRY.failing, hostile=True, tamper=_empty_test_metadata("udp_request_gives_up")),
    Case("hostile-monkeypatch", "a3-tcp-server", "a wrong handle_echo() plus a fake helpers.run_server that makes it pass",
         {"handle_echo": _A3_SINGLE_RECV.solutions["handle_echo"] + "\n\n" + code('''
        import helpers

        _real_run_server = helpers.run_server


        class _AlwaysRight:
            def __init__(self):
                self.sent = b""

            def request(self, data=b"", half_close=True):
                self.sent = data
                return data

            def result(self):
                return len(self.sent)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False


        def _fake_run_server(target, *args, **kwargs):
            if getattr(target, "__name__", "") == "handle_echo":
                return _AlwaysRight()
            return _real_run_server(target, *args, **kwargs)


        helpers.run_server = _fake_run_server
        ''')}, _A3_SINGLE_RECV.failing, hostile=True),
    Case("hostile-50-mb-output", "a7-protocols", "a correct solution that prints 50 MB on one line", {
        "http_get": reference_sources("a7-protocols")["http_get"] + "\n\nprint(\"debug \" * 8_400_000)"},
        frozenset(), hostile=True),
]


def all_cases() -> list[Case]:
    """Every submission the grading tests grade."""
    return [reference(a) for a in ASSIGNMENTS] + [untouched(a) for a in ASSIGNMENTS] + MISTAKES + HOSTILE
