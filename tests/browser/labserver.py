"""A throw-away JupyterLab server for the browser tests.

It runs on 127.0.0.1 and a port the system chooses, with a random token and
its own config, settings, workspaces and runtime folders, so nothing the
tests do reaches the user's Jupyter setup, and nothing of the user's setup
changes what the tests see.

Readiness is an event, not a guess: a reader thread copies the server's log
to a file and hands each line to a queue, and the start-up waits on the queue.
The URL line carries the port; the server binds it in the first callback of
its event loop and starts its extensions in the second, so the first
"extension was successfully started" line (a DEBUG message) means it accepts
connections. The runtime file ``jpserver-<pid>.json`` then confirms the port.

Typical use::

    lab = LabServer(course_root, state_dir)
    lab.start()
    page.goto(lab.url("lab/tree/notebooks/en/00-start-here.ipynb", reset=""))
    lab.stop()
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import signal
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

__all__ = ["LabServer", "LabStartError", "TEST_SETTINGS"]

#: JupyterLab settings for a quiet, predictable test session (plugin id -> values).
TEST_SETTINGS = {
    # No "Would you like to get notified about news?" toast over the notebook, no web requests.
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}

_URL_LINE = re.compile(r"https?://127\.0\.0\.1:(\d+)/\S*")
_STARTED_LINE = "extension was successfully started"


class LabStartError(RuntimeError):
    """JupyterLab exited or did not announce itself in time; the message ends with its log."""


def write_user_settings(settings_dir: Path, settings: dict) -> None:
    """Write ``{plugin id: values}`` as JupyterLab user-settings files in ``settings_dir``.

    Typical use::

        write_user_settings(Path("settings"), {"@jupyterlab/translation-extension:plugin": {"locale": "es_ES"}})
    """
    for plugin_id, values in settings.items():
        package, plugin = plugin_id.split(":")
        path = Path(settings_dir, *package.split("/"), f"{plugin}.jupyterlab-settings")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2), encoding="utf-8")


class LabServer:
    """One JupyterLab process serving ``root`` (its working folder too, so nbgrader finds the course).

    ``state`` is an empty folder for the isolated Jupyter folders and the log.
    Attributes after ``start()``: ``port``, ``token``, ``base`` (``http://127.0.0.1:PORT/``),
    ``announced_url``, ``log_path``. Subclasses may change ``command()``.
    """

    def __init__(self, root: Path, state: Path, settings: dict | None = None):
        self.root = Path(root)
        self.state = Path(state)
        self.token = secrets.token_hex(24)
        self.settings = {**TEST_SETTINGS, **(settings or {})}
        self.log_path = self.state / "jupyterlab.log"
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        #: The first address JupyterLab printed (with its token when JupyterLab made one up).
        self.announced_url: str | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader: threading.Thread | None = None
        # Private (0700) and short, like Jupyter's own runtime folder: kernels started over ZMQ IPC
        # put their socket files there, and a socket path has at most 107 bytes.
        self.runtime = Path(tempfile.mkdtemp(prefix="rt-"))

    # -- life cycle ------------------------------------------------------
    def environment(self) -> dict:
        """The environment of the server: isolated Jupyter folders and the token."""
        dirs = {
            "JUPYTER_CONFIG_DIR": self.state / "config",
            "JUPYTER_RUNTIME_DIR": self.runtime,
            "JUPYTERLAB_SETTINGS_DIR": self.state / "user-settings",
            "JUPYTERLAB_WORKSPACES_DIR": self.state / "workspaces",
        }
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        # Nothing of the caller's Jupyter or course setup leaks in (COURSE_LANG would change messages).
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("JUPYTER", "JPY_", "NBGRADER")) and key != "COURSE_LANG"
        }
        env.update({key: str(path) for key, path in dirs.items()})
        env["JUPYTER_TOKEN"] = self.token  # not on the command line, where `ps` would show it
        # nbgrader runs `alembic` by name (formgrader's first database): the venv's bin goes first.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def command(self) -> list[str]:
        """``python -m jupyterlab`` with the test options (the pid is then the server's own)."""
        cmd = [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--port=0",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port_retries=0",
            "--ServerApp.log_level=DEBUG",  # the readiness signal is a DEBUG line
            # window.jupyterapp: tests run commands by id, whatever the interface language.
            "--LabApp.expose_app_in_browser=True",
            f"--ServerApp.root_dir={self.root}",
            # Kernels of finished tests are shut down through the API; this is the safety net.
            "--MappingKernelManager.cull_idle_timeout=600",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd

    def start(self, timeout: float = 90.0) -> "LabServer":
        """Start JupyterLab and return once it serves requests (``LabStartError`` otherwise)."""
        env = self.environment()
        write_user_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]), self.settings)
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,  # Ctrl+C in the terminal reaches pytest, which stops Lab cleanly
        )
        self._reader = threading.Thread(target=self._copy_log, name="jupyterlab-log", daemon=True)
        self._reader.start()
        try:
            self.port = self._wait_for_port(timeout)
            info = self.server_info()
            if info.get("port") != self.port:
                raise LabStartError(f"the runtime file says port {info.get('port')}, the log says {self.port}")
        except BaseException:
            self.stop()  # a server that failed to start must not outlive the tests
            raise
        return self

    def _copy_log(self) -> None:
        with open(self.log_path, "w", encoding="utf-8") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                self._lines.put(line)
        self._lines.put(None)  # end of output: the process is gone

    def _wait_for_port(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        port = None
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._lines.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                raise LabStartError(f"JupyterLab did not start within {timeout:g} s\n{self.log_tail()}") from None
            if line is None:
                raise LabStartError(f"JupyterLab exited with code {self.process.wait(5)}\n{self.log_tail()}")
            match = _URL_LINE.search(line)
            if match and port is None:
                port = int(match.group(1))
                self.announced_url = line[match.start():].split()[0]
            if _STARTED_LINE in line and port is not None:
                return port

    def server_info(self) -> dict:
        """The content of ``jpserver-<pid>.json`` (port, base_url, root_dir ...)."""
        path = self.runtime / f"jpserver-{self.process.pid}.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def stop(self, timeout: float = 20.0) -> None:
        """Ask JupyterLab to stop (SIGTERM shuts kernels down), kill it if it does not; idempotent."""
        if self.process is None or self.process.poll() is not None:
            shutil.rmtree(self.runtime, ignore_errors=True)
            return
        if self.port is not None:
            try:
                # A kernel still starting makes SIGTERM's shutdown hang; the API waits for it properly.
                self.shutdown_kernels()
            except OSError:
                pass  # the server is not answering: SIGTERM, then SIGKILL, will do
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own session: kernels included
            self.process.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        shutil.rmtree(self.runtime, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log, for failure messages."""
        try:
            return "".join(self.log_path.read_text(encoding="utf-8").splitlines(True)[-lines:])
        except OSError:
            return "(no log)"

    # -- addresses and API -----------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def url(self, path: str = "lab", with_token: bool = True, **query) -> str:
        """``http://127.0.0.1:PORT/<path>?<query>&token=...``; a value of "" gives a bare flag (``?reset``)."""
        params = dict(query)
        if with_token:
            params["token"] = self.token
        text = "&".join(key if value == "" else f"{key}={urllib.parse.quote(str(value), safe='/:')}" for key, value in params.items())
        return self.base + path.lstrip("/") + (f"?{text}" if text else "")

    def api(self, method: str, path: str, body=None, timeout: float = 30.0):
        """Call the Jupyter REST API with the token; returns the decoded JSON (or None)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path.lstrip("/"), data=data, method=method)
        request.add_header("Authorization", f"token {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            content = response.read()
        return json.loads(content) if content else None

    def shutdown_kernels(self) -> None:
        """End every session and kernel, so the next test starts on a quiet machine."""
        for session in self.api("GET", "api/sessions"):
            self.api("DELETE", f"api/sessions/{session['id']}")
        for kernel in self.api("GET", "api/kernels"):
            self.api("DELETE", f"api/kernels/{kernel['id']}")
