"""Start and stop the hub process: free ports, the proxy from npm, readiness through the hub's API.

configurable-http-proxy refuses port 0, so the hub cannot let the system
choose when it binds. ``free_ports()`` takes ports that are free a moment
ago from the range below the system's ephemeral range (ports.py, where the
servers' ports come from too), which no bind to port 0 can take; a program
that binds such a number by name, or another hub, still may take one before
the hub binds it. Rather than hope, ``start_hub`` retries: when this start's log shows
"address already in use" (the hub exits then; the proxy only logs it and
keeps running), it stops what started, picks new ports and starts again
(three attempts). The hub needs three ports: the public one (the
proxy), the proxy's REST API and the hub's own (the proxy forwards to it).

Readiness is the hub's answer through the proxy to ``GET /hub/api/``, polled
with a deadline while watching the process, so a hub that dies at start is
reported at once with its log's end.

Typical use::

    ensure_proxy()
    url = start_hub(state, config)     # "http://127.0.0.1:PORT/"
    stop_hub(state)
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .ports import PortPool, bind_error, server_pool_range
from .state import REPO_ROOT, HubError, HubState

__all__ = ["HUB_CONFIG", "ensure_proxy", "free_ports", "hub_running", "hub_users", "proxy_command", "start_hub", "stop_hub"]

HUB_DIR = REPO_ROOT / "hub"
HUB_CONFIG = HUB_DIR / "jupyterhub_config.py"
#: npm puts the proxy's launcher here (``npm install --prefix hub``, version range in hub/package.json).
PROXY = HUB_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
ADDRESS_IN_USE = ("EADDRINUSE", "Address already in use", "address already in use")
ATTEMPTS = 3


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` different ports of the pool range that were free a moment ago on ``host`` (see the module docstring)."""
    pool = PortPool(server_pool_range(), host)
    return [pool.take() for _ in range(count)]


def proxy_command() -> Path:
    """The course-local configurable-http-proxy (``HubError`` if it is not installed)."""
    if not os.access(PROXY, os.X_OK):
        raise HubError(f"configurable-http-proxy is not installed in {PROXY.parent}: run tools/course hub start")
    return PROXY


def ensure_proxy(timeout: float = 300) -> Path:
    """Install configurable-http-proxy from npm into ``hub/node_modules`` unless it is there."""
    if not os.access(PROXY, os.X_OK):
        try:
            done = subprocess.run(["npm", "install", "--prefix", str(HUB_DIR), "--no-audit", "--no-fund"],
                                  capture_output=True, text=True, timeout=timeout)
        except FileNotFoundError:
            raise HubError("npm is missing: install Node.js 20 or newer (Debian: apt-get install nodejs npm)") from None
        if done.returncode != 0:
            raise HubError(f"npm install --prefix {HUB_DIR} failed:\n{done.stderr.strip()[-2000:]}")
    return proxy_command()


def _hub_api_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "hub/api/", timeout=2) as response:
            return response.status == 200 and "version" in json.load(response)
    except (OSError, ValueError):
        return False


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _launch(state: HubState, config: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "JPY_"))}
    env["COURSE_HUB_STATE"] = str(state.root)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "/usr/bin:/bin")])
    descriptor = os.open(state.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)],
            cwd=state.secrets, env=env, stdin=subprocess.DEVNULL, stdout=descriptor, stderr=subprocess.STDOUT,
            start_new_session=True,  # the hub outlives this command; Ctrl+C here does not reach it
        )
    finally:
        os.close(descriptor)


def start_hub(state: HubState, config: Path = HUB_CONFIG, timeout: float = 90, public_port: int | None = None) -> str:
    """Start the hub in the background and return its address once its API answers through the proxy.

    ``public_port`` fixes the proxy's port (a reverse proxy in front of the hub points there);
    by default every port is a free one.
    """
    if hub_running(state):
        raise HubError(f"the hub is running already (pid {state.pid_file.read_text().strip()}); tools/course hub stop first")
    if public_port is not None and (error := bind_error(public_port)) is not None:
        raise HubError(f"port {public_port} of 127.0.0.1 is not free ({error.strerror}): choose another --port")
    for attempt in range(1, ATTEMPTS + 1):
        settings = state.settings()
        public, proxy_api, hub = free_ports(3)
        settings["ports"] = {"public": public_port or public, "proxy_api": proxy_api, "hub": hub}
        state.save_settings(settings)
        log_start = state.log.stat().st_size if state.log.exists() else 0
        process = _launch(state, config)
        state.pid_file.write_text(f"{process.pid}\n", encoding="utf-8")
        url = f"http://127.0.0.1:{settings['ports']['public']}/"
        outcome = _wait_until_up(process, url, state.log, log_start, timeout)
        if outcome == "up":
            return url
        _terminate(process.pid)
        state.pid_file.unlink(missing_ok=True)
        if outcome == "port taken" and attempt < ATTEMPTS:
            continue  # another program took one of the ports between free_ports() and the bind: new ports
        if outcome == "no answer":
            raise HubError(f"the hub did not answer within {timeout:g} s; its log ends:\n{_log_tail(state.log)}")
        raise HubError(f"the hub stopped ({outcome}); its log ends:\n{_log_tail(state.log)}")
    raise HubError("unreachable")


def _wait_until_up(process: subprocess.Popen, url: str, log: Path, log_start: int, timeout: float) -> str:
    """"up", "port taken", "no answer" (the deadline passed) or "exit code N", whichever comes first.

    A port taken by another program shows in this start's log: the hub exits when its own port is
    taken, but configurable-http-proxy only logs EADDRINUSE for its public port and keeps running,
    so the log is read between the polls too.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _hub_api_up(url):
            return "up"
        with open(log, encoding="utf-8", errors="replace") as handle:
            handle.seek(log_start)
            if any(mark in handle.read() for mark in ADDRESS_IN_USE):
                return "port taken"
        try:
            process.wait(timeout=0.25)  # the pause between two polls, and the hub's death noticed at once
        except subprocess.TimeoutExpired:
            continue
        with open(log, encoding="utf-8", errors="replace") as handle:
            handle.seek(log_start)
            taken = any(mark in handle.read() for mark in ADDRESS_IN_USE)
        return "port taken" if taken else f"exit code {process.returncode}"
    return "no answer"


def hub_users(url: str, token: str, timeout: float = 30) -> list[dict]:
    """Every user of the hub at ``url`` with their servers (``GET /hub/api/users``, the service's token).

    Typical use::

        [user["name"] for user in hub_users("http://127.0.0.1:8000/", state.secret("service-token"))]
    """
    request = urllib.request.Request(url + "hub/api/users", headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.URLError as error:
        raise HubError(f"the hub's API at {url} did not answer: {error}") from None


def hub_running(state: HubState) -> bool:
    """True if the pid file names a live jupyterhub process."""
    try:
        pid = int(state.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return False
    return b"jupyterhub" in cmdline


def _terminate(pid: int, timeout: float = 30) -> None:
    """SIGTERM (the hub stops its proxy and the servers), then SIGKILL to the group after ``timeout``."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        os.kill(pid, signal.SIGTERM)
        ready, _, _ = select.select([handle], [], [], timeout)  # readable when the process has exited
        if not ready:
            os.killpg(pid, signal.SIGKILL)
            select.select([handle], [], [], 10)
    except ProcessLookupError:
        pass
    finally:
        os.close(handle)


def stop_hub(state: HubState, timeout: float = 30) -> bool:
    """Stop the hub started by ``start_hub``; False when none was running."""
    if not hub_running(state):
        state.pid_file.unlink(missing_ok=True)
        return False
    _terminate(int(state.pid_file.read_text().strip()), timeout)
    state.pid_file.unlink(missing_ok=True)
    return True
