"""A real trial hub for the tests: real Unix users, real proxy, real single-user servers.

``TrialHub`` drives ``tools/course_hub`` the way an instructor does (``start``,
``add-students``, ``stop``) in a state folder of its own, with user and group
names that start with a random prefix (``zzhub1a2b-...``) so they can never be
a real user of the host, and it removes every one of them afterwards
(``userdel -r``), whatever happened. ``HubSession`` is one person in a browser:
it signs in through the hub's login form with a real HTTP client (the XSRF
cookie included), starts the server and talks to its REST API.

Typical use::

    hub = TrialHub.create(prefix="zzhub1a2b")
    try:
        hub.start(); hub.add_students({"zzhub1a2b-s1": "es"})
        session = hub.login("zzhub1a2b-s1"); session.start_server()
        session.api("GET", "api/status")
    finally:
        hub.cleanup()
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
#: Seconds for one HTTP request; a server start or an nbgrader command has its own deadline.
HTTP_TIMEOUT = 30
SERVER_START_TIMEOUT = 150


#: tools/course_hub as ``socket_course_hub``, by the loader of its own __main__.py (the package the hub's config loads).
course_hub = runpy.run_path(str(REPO / "tools" / "course_hub" / "__main__.py"))["load_package"]()
from socket_course_hub import accounts, homes  # noqa: E402
from socket_course_hub.state import HubState  # noqa: E402


class HubCommandError(AssertionError):
    """A command of the hub or a command run as a hub user failed; the message holds its output."""


@dataclass
class TrialHub:
    """One hub in a temporary state folder, with its own Unix group and users (see the module docstring)."""

    root: Path
    prefix: str
    instructor: str
    students: dict[str, str] = field(default_factory=dict)
    url: str | None = None

    @classmethod
    def create(cls, prefix: str) -> "TrialHub":
        # Not pytest's tmp_path: /tmp/pytest-of-root is 0700, and students must reach the exchange.
        root = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
        os.chmod(root, 0o755)
        return cls(root=root, prefix=prefix, instructor=f"{prefix}-t")

    @property
    def group(self) -> str:
        return self.prefix

    @property
    def state(self) -> HubState:
        return HubState.at(self.root / "state")

    # ---- the instructor's commands -------------------------------------------------------------------
    def cli(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        """``python tools/course_hub --state ... ARGS`` as root (what ``tools/course hub`` runs)."""
        done = subprocess.run(
            [sys.executable, str(REPO / "tools" / "course_hub"), "--state", str(self.state.root), *args],
            capture_output=True, text=True, timeout=timeout, cwd=REPO,
        )
        if check and done.returncode != 0:
            raise HubCommandError(f"tools/course hub {' '.join(args)} exited {done.returncode}:\n{done.stderr[-4000:]}")
        return done

    def start(self) -> str:
        done = self.cli("start", "--instructor", self.instructor, "--group", self.group, "--lang", "en")
        self.url = done.stdout.strip().splitlines()[-1]
        return self.url

    def add_students(self, students: dict[str, str]) -> None:
        roster = self.root / "roster.csv"
        roster.write_text("".join(f"{name},{lang}\n" for name, lang in students.items()), encoding="utf-8")
        self.cli("add-students", str(roster))
        self.students.update(students)

    def passwords(self) -> dict[str, str]:
        lines = self.state.passwords.read_text(encoding="utf-8").splitlines()
        return dict(line.split(",", 1) for line in lines if "," in line)

    def cleanup(self) -> None:
        """Stop the hub, delete every user and the group, remove the ACL entry and the state folder."""
        try:
            if self.state.pid_file.exists():
                self.cli("stop", timeout=60, check=False)
        finally:
            failures = []
            for name in [*self.students, self.instructor]:
                try:  # one account that resists must not leave the others behind
                    accounts.delete_account(name)
                except accounts.AccountError as error:
                    failures.append(error)
            accounts.revoke_interpreter_access(self.group)
            try:
                grp.getgrnam(self.group)
                subprocess.run(["groupdel", self.group], capture_output=True, timeout=30)
            except KeyError:
                pass
            shutil.rmtree(self.root, ignore_errors=True)
            if failures:
                raise failures[0]

    # ---- acting as a hub user --------------------------------------------------------------------------
    def home(self, name: str) -> Path:
        return Path(pwd.getpwnam(name).pw_dir)

    def run_as(self, name: str, *command: str, cwd: Path | None = None, timeout: float = 180,
               check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
        """Run ``command`` as Unix user ``name`` with ``runuser``, in the environment the hub gives their server."""
        env = homes.server_environment(self.state, name)
        assignments = [f"{key}={value}" for key, value in {**env, "LANG": "C.UTF-8"}.items()]
        done = subprocess.run(
            ["runuser", "-u", name, "--", "env", "-i", *assignments, *command],
            cwd=cwd or self.home(name), capture_output=True, text=True, timeout=timeout, input=stdin,
        )
        if check and done.returncode != 0:
            raise HubCommandError(f"as {name}: {' '.join(command)} exited {done.returncode}:\n"
                                  f"{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        return done

    def nbgrader(self, name: str, *args: str, cwd: Path | None = None, timeout: float = 180) -> str:
        """The venv's nbgrader CLI as ``name`` (the instructor's from ~/course, a student's from ~)."""
        if cwd is None and name == self.instructor:
            cwd = self.home(name) / homes.INSTRUCTOR_COURSE
        done = self.run_as(name, str(Path(sys.executable).parent / "nbgrader"), *args, cwd=cwd, timeout=timeout)
        return done.stdout + done.stderr

    def login(self, name: str, password: str | None = None) -> "HubSession":
        session = HubSession(self.url, name)
        session.login(password if password is not None else self.passwords()[name])
        return session


class HubSession:
    """One person signed in to the hub, as a browser would be: cookies, XSRF tokens, the server's API."""

    def __init__(self, url: str, name: str):
        self.url = url
        self.name = name
        self.http = requests.Session()

    def _hub_xsrf(self) -> dict:
        return {"X-XSRFToken": self.http.cookies.get("_xsrf", path="/hub/") or ""}

    def login(self, password: str) -> requests.Response:
        """Fill in the hub's login form (its ``_xsrf`` field comes from the form page's cookie)."""
        self.http.get(self.url + "hub/login", timeout=HTTP_TIMEOUT).raise_for_status()
        return self.http.post(
            self.url + "hub/login",
            data={"username": self.name, "password": password, "_xsrf": self.http.cookies.get("_xsrf", path="/hub/")},
            timeout=HTTP_TIMEOUT, allow_redirects=False,
        )

    @property
    def signed_in(self) -> bool:
        return any(cookie.name == "jupyterhub-hub-login" for cookie in self.http.cookies)

    def hub_api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, self.url + "hub/api/" + path, headers=self._hub_xsrf(), timeout=HTTP_TIMEOUT, **kwargs)

    def start_server(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        """Ask the hub for the server, follow its progress stream until it is ready, then open JupyterLab."""
        response = self.http.post(self.url + f"hub/api/users/{self.name}/server", headers=self._hub_xsrf(),
                                  timeout=timeout)
        if response.status_code not in (201, 202):
            raise HubCommandError(f"starting {self.name}'s server: {response.status_code} {response.text}")
        if response.status_code == 202:
            self._follow_progress(timeout)
        # Opening JupyterLab runs the OAuth round trip that gives this session the server's cookie.
        lab = self.http.get(self.url + f"user/{self.name}/lab", timeout=HTTP_TIMEOUT)
        if lab.status_code != 200 or not lab.url.endswith(f"/user/{self.name}/lab"):
            raise HubCommandError(f"{self.name}'s JupyterLab answered {lab.status_code} at {lab.url}")

    def _follow_progress(self, timeout: float) -> None:
        """Read the hub's server-sent progress events (a stream that ends when the server is ready or failed)."""
        deadline = time.monotonic() + timeout
        with self.http.get(self.url + f"hub/api/users/{self.name}/server/progress", headers=self._hub_xsrf(),
                           stream=True, timeout=(HTTP_TIMEOUT, timeout)) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if time.monotonic() > deadline:
                    break
                if not line or not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if event.get("ready"):
                    return
                if event.get("failed"):
                    raise HubCommandError(f"{self.name}'s server failed to start: {event.get('message')}")
        raise HubCommandError(f"{self.name}'s server was not ready within {timeout:g} s")

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """A request to the person's own server (``user/<name>/<path>``) with its XSRF header."""
        xsrf = self.http.cookies.get("_xsrf", path=f"/user/{self.name}/") or ""
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self.http.request(method, self.url + f"user/{self.name}/{path}", headers={"X-XSRFToken": xsrf}, **kwargs)
