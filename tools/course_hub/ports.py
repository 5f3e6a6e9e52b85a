"""Ports for the single-user servers, taken from outside the range the system hands out for port 0.

JupyterHub's LocalProcessSpawner picks a server's port by binding port 0 and closing
the socket; the server binds that number a moment later. On a busy host anything else
that binds port 0 in that moment (a lesson's server, a grading kernel, another
server's pick) can take it, and that student's server fails to start. The kernel
hands out port-0 ports only from its ephemeral range
(``/proc/sys/net/ipv4/ip_local_port_range``, 32768–60999 by default on Linux), so a
port just below it is never taken that way. Inside the hub, one ``PortPool`` hands
each port to one server at a time, and skips a port that something has bound.

Typical use::

    pool = PortPool(server_pool_range())
    port = pool.take()          # a free port no port-0 bind can take
    pool.give_back(port)        # when the server has stopped
"""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

from .state import HubError

__all__ = ["POOL_SIZE", "PortPool", "bind_error", "ephemeral_range", "server_pool_range"]

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
#: Where the file is missing (not Linux): the IANA dynamic range, which BSD, macOS and Windows use.
IANA_DYNAMIC = range(49152, 65536)
#: Ports in the pool: room for a class's servers and whatever else already listens there.
POOL_SIZE = 2048
FIRST_UNPRIVILEGED = 1024


def ephemeral_range(path: Path = EPHEMERAL_RANGE_FILE) -> range:
    """The ports the system gives a bind to port 0 (``range``, end excluded)."""
    try:
        low, high = (int(word) for word in path.read_text(encoding="ascii").split())
    except FileNotFoundError:
        return IANA_DYNAMIC
    except ValueError:
        raise HubError(f"{path} does not hold two port numbers") from None
    return range(low, high + 1)


def server_pool_range(ephemeral: range | None = None, size: int = POOL_SIZE) -> range:
    """``size`` ports just below the ephemeral range, or just above it where there is no room below."""
    ephemeral = ephemeral_range() if ephemeral is None else ephemeral
    if ephemeral.start - size >= FIRST_UNPRIVILEGED:
        return range(ephemeral.start - size, ephemeral.start)
    if ephemeral.stop + size <= 65536:
        return range(ephemeral.stop, ephemeral.stop + size)
    raise HubError(f"the system hands out ports {ephemeral.start}-{ephemeral.stop - 1} for port 0, which leaves no "
                   f"{size} ports for the hub's servers: narrow net.ipv4.ip_local_port_range (sysctl)")


def bind_error(port: int, host: str = "127.0.0.1") -> OSError | None:
    """Why ``port`` of ``host`` cannot be bound right now, or None when it can (the socket is closed again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            return error
    return None


class PortPool:
    """Hands out free ports of ``ports`` on ``host``, each to one holder until it is given back."""

    def __init__(self, ports: range, host: str = "127.0.0.1"):
        self.ports = ports
        self.host = host
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def take(self) -> int:
        """A port of the pool that no holder has and nothing on ``host`` has bound (HubError if none is left)."""
        with self._lock:
            start = random.randrange(len(self.ports))  # spread the picks: a port just freed may be in TIME_WAIT
            for index in range(len(self.ports)):
                port = self.ports[(start + index) % len(self.ports)]
                if port not in self._held and bind_error(port, self.host) is None:
                    self._held.add(port)
                    return port
        raise HubError(f"no free port left in {self.ports.start}-{self.ports.stop - 1} for a server")

    def give_back(self, port: int) -> None:
        """Make ``port`` available again (a port never taken is ignored)."""
        with self._lock:
            self._held.discard(port)
