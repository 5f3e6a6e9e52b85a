"""Benchmark helpers.echo_server against a raw socket baseline and socketserver, in one run.

Prints one table: start-to-first-connection latency (median), echo round-trip
latency (median of small messages) and 64 MB echo throughput, for

- raw: a bare listening socket with a plain recv/sendall loop in a thread (the baseline),
- socketserver: ``socketserver.ThreadingTCPServer`` with the same echo loop,
- helpers: ``helpers.echo_server()``, with its timeline recording on (it always is:
  one event per recv and per sendall, see helpers/timeline.py),

with each one's ratio to the raw baseline. Targets: start-to-connect median
under 5 ms; round trip within 1.3x of raw; throughput at least 0.7x of raw.

Typical use::

    .venv/bin/python benchmarks/echo_bench.py            # full run (about 20 s)
    .venv/bin/python benchmarks/echo_bench.py --quick    # smaller samples
"""

from __future__ import annotations

import argparse
import socket
import socketserver
import statistics
import threading
import time

import helpers

TIMEOUT = 30


def echo_loop(conn: socket.socket) -> None:
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data)


class RawEcho:
    """The baseline: one listening socket, a thread per connection, nothing else."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.address = self.sock.getsockname()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=echo_loop, args=(conn,), daemon=True).start()

    def stop(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(TIMEOUT)


class SocketServerEcho:
    """socketserver.ThreadingTCPServer running serve_forever in a thread."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            while data := self.request.recv(65536):
                self.request.sendall(data)

    def __init__(self):
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self.Handler)
        self.server.daemon_threads = True
        self.address = self.server.server_address
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(TIMEOUT)


class HelpersEcho:
    def __init__(self):
        self.server = helpers.echo_server()
        assert self.server.timeline is not None  # recording is on: the ratios include its cost
        self.address = self.server.address

    def stop(self):
        self.server.stop()


CANDIDATES = {"raw": RawEcho, "socketserver": SocketServerEcho, "helpers": HelpersEcho}


def start_to_connect(factory, samples: int) -> float:
    """Median seconds from calling the factory to a completed connect() + first echo."""
    times = []
    for _ in range(samples):
        begin = time.perf_counter()
        server = factory()
        with socket.create_connection(server.address, timeout=TIMEOUT) as conn:
            conn.sendall(b"x")
            conn.recv(1)
        times.append(time.perf_counter() - begin)
        server.stop()
    return statistics.median(times)


def round_trip(address, samples: int) -> float:
    """Median seconds for a 32-byte message to come back."""
    message = b"m" * 32
    times = []
    with socket.create_connection(address, timeout=TIMEOUT) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(samples):
            begin = time.perf_counter()
            conn.sendall(message)
            received = 0
            while received < len(message):
                received += len(conn.recv(64))
            times.append(time.perf_counter() - begin)
    return statistics.median(times)


def throughput(address, size: int) -> float:
    """Bytes per second echoed for a payload of ``size`` bytes (sender in its own thread)."""
    payload = b"\xab" * size
    with socket.create_connection(address, timeout=TIMEOUT) as conn:
        begin = time.perf_counter()
        sender = threading.Thread(target=lambda: (conn.sendall(payload), conn.shutdown(socket.SHUT_WR)))
        sender.start()
        received = 0
        while chunk := conn.recv(1 << 20):
            received += len(chunk)
        sender.join(TIMEOUT)
        elapsed = time.perf_counter() - begin
    assert received == size, (received, size)
    return size / elapsed


def measure(samples: int, rtt_samples: int, size: int, repeats: int) -> dict[str, dict[str, float]]:
    """Measure every candidate, interleaved round by round so background load hits all alike."""
    starts = {name: [] for name in CANDIDATES}
    rtts = {name: [] for name in CANDIDATES}
    tputs = {name: [] for name in CANDIDATES}
    for _round in range(repeats):
        for name, factory in CANDIDATES.items():
            starts[name].append(start_to_connect(factory, samples))
    servers = {name: factory() for name, factory in CANDIDATES.items()}
    try:
        for _round in range(repeats):
            for name, server in servers.items():
                rtts[name].append(round_trip(server.address, rtt_samples))
                tputs[name].append(throughput(server.address, size))
    finally:
        for server in servers.values():
            server.stop()
    return {
        name: {
            "start": statistics.median(starts[name]),
            "rtt": statistics.median(rtts[name]),
            "tput": statistics.median(tputs[name]),
        }
        for name in CANDIDATES
    }


def print_table(results, size: int) -> None:
    base = results["raw"]
    print(f"{'server':<14}{'start->connect':>16}{'round trip':>14}{'ratio':>8}{f'{size >> 20} MB echo':>14}{'ratio':>8}")
    for name, row in results.items():
        print(
            f"{name:<14}{row['start'] * 1e3:>13.3f} ms{row['rtt'] * 1e6:>11.1f} µs{row['rtt'] / base['rtt']:>7.2f}x"
            f"{row['tput'] / 1e6:>9.0f} MB/s{row['tput'] / base['tput']:>7.2f}x"
        )
    h = results["helpers"]
    print()
    print("targets: start->connect median < 5 ms; round trip <= 1.3x raw; throughput >= 0.7x raw")
    print(
        "helpers: start {:.3f} ms ({}), round trip {:.2f}x ({}), throughput {:.2f}x ({})".format(
            h["start"] * 1e3,
            "ok" if h["start"] < 0.005 else "MISSED",
            h["rtt"] / base["rtt"],
            "ok" if h["rtt"] / base["rtt"] <= 1.3 else "MISSED",
            h["tput"] / base["tput"],
            "ok" if h["tput"] / base["tput"] >= 0.7 else "MISSED",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        results = measure(samples=20, rtt_samples=200, size=8 << 20, repeats=2)
        print_table(results, 8 << 20)
    else:
        results = measure(samples=40, rtt_samples=2000, size=64 << 20, repeats=5)
        print_table(results, 64 << 20)


if __name__ == "__main__":
    main()
