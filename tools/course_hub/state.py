"""Where the trial hub keeps its files, and its settings.

One folder (``hub/state/`` by default, never in git) holds everything the hub
writes::

    hub.json            settings: instructor, grading language, group, ports (root only)
    roster.json         student id -> course language (root only)
    secrets/            0700: passwords.csv, cookie secret, proxy and service tokens, sqlite db
    exchange/           nbgrader's exchange (root-owned, 1777 like nbgrader's documented 777 plus sticky)
    jupyter-config/     nbgrader_config.py every single-user server reads (Exchange.root, course id)
    student-config/     students' servers only: nbgrader's instructor tools turned off
    student-edition/    the student edition, rebuilt at each start: what students' homes get
    jupyterhub.log      the hub's log (root only)

Typical use::

    state = HubState.at(Path("hub/state"))
    state.settings()["instructor"]
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import sys
from pathlib import Path

__all__ = ["HubError", "HubState", "REPO_ROOT", "open_course"]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STATE = REPO_ROOT / "hub" / "state"
#: The nbgrader course id (the same as nbgrader_config.py and the Kubernetes values).
COURSE_ID = "sockets"


class HubError(RuntimeError):
    """A setting or a file of the hub is wrong: the command stops with this message and exit code 2."""


def _load_open_course():
    """tools/open_course.py, loaded by path: its language table and settings code are the course's own."""
    name = "socket_course_open_course"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "tools" / "open_course.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


open_course = _load_open_course()


def course_language(value: str) -> str:
    """A course language tag ("es", "zh-TW") from a roster or an option, or ``HubError``.

    Typical use::

        course_language("zh_tw")   # -> "zh-TW"
    """
    try:
        return open_course.course_language(value)
    except Exception as error:  # argparse.ArgumentTypeError: its message names the valid languages
        raise HubError(str(error)) from None


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file only root can read (created 0600, never world-readable in between)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


class HubState:
    """The hub's folder and the files in it (see the module docstring).

    Methods for the caller: ``settings()``, ``save_settings()``, ``roster()``,
    ``save_roster()``, ``secret(name)``, ``prepare()``.
    """

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.secrets = self.root / "secrets"
        self.exchange = self.root / "exchange"
        self.jupyter_config = self.root / "jupyter-config"
        self.student_config = self.root / "student-config"
        self.student_edition = self.root / "student-edition"
        self.log = self.root / "jupyterhub.log"
        self.settings_file = self.root / "hub.json"
        self.roster_file = self.root / "roster.json"
        self.passwords = self.secrets / "passwords.csv"
        self.pid_file = self.root / "jupyterhub.pid"

    @classmethod
    def at(cls, root: Path | str | None = None) -> "HubState":
        """The state folder ``root``, else ``$COURSE_HUB_STATE``, else ``hub/state`` of the repository."""
        return cls(Path(root or os.environ.get("COURSE_HUB_STATE") or DEFAULT_STATE))

    def prepare(self) -> None:
        """Create the folders: the state folder is traversable (students reach the exchange), secrets are not."""
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        self.secrets.mkdir(exist_ok=True)
        os.chmod(self.secrets, 0o700)

    def _read_json(self, path: Path, what: str) -> dict:
        if not path.is_file():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise HubError(f"{path} ({what}) is not valid JSON: {error}") from None

    def settings(self) -> dict:
        """``hub.json``: instructor, lang, group, ports ({} before the first start)."""
        return self._read_json(self.settings_file, "the hub's settings")

    def save_settings(self, values: dict) -> None:
        write_private(self.settings_file, json.dumps(values, indent=1, sort_keys=True) + "\n")

    def roster(self) -> dict[str, str]:
        """Student id -> course language, as ``add-students`` recorded them."""
        return self._read_json(self.roster_file, "the roster")

    def save_roster(self, roster: dict[str, str]) -> None:
        write_private(self.roster_file, json.dumps(roster, indent=1, sort_keys=True) + "\n")

    def secret(self, name: str) -> str:
        """A random secret kept in ``secrets/<name>`` (made on first use), e.g. the proxy's token."""
        path = self.secrets / name
        if not path.is_file():
            write_private(path, secrets.token_hex(32))
        return path.read_text(encoding="utf-8").strip()

    def language_of(self, username: str) -> str:
        """The course language of a hub user: the roster's for a student, the grading language for the instructor."""
        roster = self.roster()
        if username in roster:
            return course_language(roster[username])
        settings = self.settings()
        if username == settings.get("instructor"):
            return course_language(settings.get("lang", "en"))
        raise HubError(f"{username} is neither a student in {self.roster_file} nor the instructor")
