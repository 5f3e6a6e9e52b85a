"""Unix accounts of the trial hub: one per student and one for the instructor.

Like The Littlest JupyterHub, each person is a real Unix user with a home of
their own (``useradd -m``, mode 0700), so the kernel's files, the nbgrader
submissions and the IPC sockets are protected by the kernel's own file
permissions. Every account is in the hub's Unix group (``sockets-hub``):
the hub lets that group sign in, and only that group gets the right to
traverse the folders on the way to the course's Python (an ACL, see
``grant_interpreter_access``).

Passwords are random, one per person, set with ``chpasswd`` (so
JupyterHub's PAMAuthenticator checks them) and written to
``secrets/passwords.csv``, which only root can read: the instructor hands
each student their line.

Typical use::

    entries = parse_roster(Path("roster.csv").read_text())   # [("alice", "es"), ...]
    password = create_account("alice", group="sockets-hub")
"""

from __future__ import annotations

import contextlib
import fcntl
import grp
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .state import HubError, course_language, write_private

__all__ = [
    "AccountError",
    "create_account",
    "delete_account",
    "ensure_group",
    "grant_interpreter_access",
    "parse_roster",
    "record_passwords",
    "revoke_interpreter_access",
]

#: Unix names the hub creates: lower case, short enough for the kernels' socket paths (see homes.py).
NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,19}$")


class AccountError(HubError):
    """A roster line or an account is wrong (the message names the line or the user)."""


def parse_roster(text: str, source: str = "roster") -> list[tuple[str, str]]:
    """``[(id, language)]`` from lines ``id,language`` (blank lines and ``#`` comments skipped).

    Every line is checked before anything is created: a bad id, an unknown
    language or a repeated id raises ``AccountError`` naming the line.

    Typical use::

        parse_roster("alice,es\\nbob,zh-TW\\n")   # -> [("alice", "es"), ("bob", "zh-TW")]
    """
    entries, seen = [], set()
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.split(",")]
        if len(parts) != 2:
            raise AccountError(f"{source}:{number}: expected 'id,language', got {line!r}")
        name, language = parts
        if not NAME.match(name):
            raise AccountError(f"{source}:{number}: {name!r} is not a usable Unix user name "
                               "(lower-case letters, digits, '-' or '_', at most 20 characters)")
        if name in seen:
            raise AccountError(f"{source}:{number}: {name} is listed twice")
        try:
            tag = course_language(language)
        except HubError as error:
            raise AccountError(f"{source}:{number}: {error}") from None
        seen.add(name)
        entries.append((name, tag))
    return entries


def _run(*command: str, stdin: str | None = None) -> None:
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise AccountError(f"{' '.join(command[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")


def ensure_group(group: str) -> None:
    """Create the hub's Unix group if it does not exist."""
    try:
        grp.getgrnam(group)
    except KeyError:
        _run("groupadd", group)


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def in_group(name: str, group: str) -> bool:
    """True if Unix user ``name`` belongs to ``group`` (as a supplementary or primary group)."""
    gid = grp.getgrnam(group).gr_gid
    return gid in os.getgrouplist(name, pwd.getpwnam(name).pw_gid)


def create_account(name: str, group: str) -> str | None:
    """Create Unix user ``name`` in ``group`` with a private home; return its new random password.

    An account that exists already and belongs to ``group`` keeps its
    password (returns None): running ``add-students`` twice is harmless. An
    existing account outside the group is somebody else's: ``AccountError``.
    """
    if user_exists(name):
        if not in_group(name, group):
            raise AccountError(f"a Unix user {name} exists already and is not in the hub's group {group}: "
                               "choose another id (the hub never takes over an existing account)")
        return None
    # -K UMASK=0077 makes the home 0700, as The Littlest JupyterHub's homes are; chmod makes sure of it
    # whatever /etc/login.defs says (HOME_MODE wins over UMASK there).
    _run("useradd", "--create-home", "--shell", "/bin/bash", "--groups", group, "-K", "UMASK=0077", name)
    os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
    password = secrets.token_urlsafe(12)
    _run("chpasswd", stdin=f"{name}:{password}\n")
    return password


def delete_account(name: str) -> None:
    """``userdel -r`` (the home goes too), killing the user's processes first; a missing user is fine."""
    if not user_exists(name):
        return
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True, timeout=30)
    # SIGKILL is delivered, not awaited: userdel refuses a user whose killed process is not gone yet.
    deadline = time.monotonic() + 15
    while subprocess.run(["pgrep", "-u", name], capture_output=True, timeout=30).returncode == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    done = subprocess.run(["userdel", "-r", name], capture_output=True, text=True, timeout=60)
    # userdel exits 12 when only the mail spool was missing; the account and home are gone then.
    if done.returncode not in (0, 12) and user_exists(name):
        raise AccountError(f"userdel -r {name} failed: {done.stderr.strip()}")


def record_passwords(path: Path, new: dict[str, str]) -> None:
    """Add ``{user: password}`` to the root-only ``passwords.csv`` (``user,password`` lines)."""
    known = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if "," in line:
                user, password = line.split(",", 1)
                known[user] = password
    known.update(new)
    write_private(path, "".join(f"{user},{password}\n" for user, password in sorted(known.items())))


# ---- reaching the course's Python -------------------------------------------------------------------

def closed_folders(executable: str = sys.executable) -> list[Path]:
    """Folders on the way to the real interpreter (and the venv) that other users cannot traverse.

    A venv's ``bin/python`` is a symlink into the base interpreter, which may
    live under a private home (pyenv in ``/root``): a student's server could
    not even start. The course's own folders are world-readable already.
    """
    targets = [Path(os.path.realpath(executable)), Path(sys.prefix), Path(os.path.realpath(sys.base_prefix))]
    closed = []
    for target in targets:
        for folder in [*reversed(target.parents), target] if target.is_dir() else reversed(target.parents):
            mode = folder.stat().st_mode
            if not mode & 0o001 and folder not in closed:
                closed.append(folder)
    return closed


#: setfacl reads, changes and writes a folder's whole ACL: two hubs (or test runs) changing /root's
#: at the same moment could drop each other's entry, so every change holds this lock.
ACL_LOCK = Path("/run/lock/socket-course-hub-acl.lock")


@contextlib.contextmanager
def acl_lock(timeout: float = 60):
    """Hold the host's lock for ACL changes (``flock``), waiting at most ``timeout`` seconds."""
    ACL_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(ACL_LOCK, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AccountError(f"another command holds {ACL_LOCK} for more than {timeout:g} s") from None
                time.sleep(0.05)  # a lock held for the few milliseconds of a setfacl: poll briefly
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def grant_interpreter_access(group: str) -> list[Path]:
    """Let ``group`` traverse (``--x``, never list) each closed folder on the way to Python; return them.

    An ACL entry for the hub's group only, so the host's other users see no
    change (``getfacl /root`` shows it; ``revoke_interpreter_access`` removes it).
    """
    folders = closed_folders()
    if folders and shutil.which("setfacl") is None:
        raise AccountError("the course's Python is under " + ", ".join(map(str, folders)) +
                           ", which other users cannot enter, and setfacl is missing: apt-get install acl")
    with acl_lock():
        for folder in folders:
            _run("setfacl", "-m", f"g:{group}:--x", str(folder))
    return folders


def revoke_interpreter_access(group: str) -> None:
    """Remove the ACL entries ``grant_interpreter_access`` made for ``group``."""
    if shutil.which("setfacl") is None:
        return
    with acl_lock():
        for folder in closed_folders():
            subprocess.run(["setfacl", "-x", f"g:{group}", str(folder)], capture_output=True, timeout=30)
