"""Command line of the trial hub: ``python tools/course_hub COMMAND`` (``tools/course hub`` calls it).

Commands (as root, on the Linux host that serves the class):

- ``start [--instructor NAME] [--lang LANG] [--group GROUP] [--port PORT]`` (after ``--state DIR``):
  install the proxy (npm), create the hub's group and the instructor's
  account, build the student edition, make the nbgrader exchange, start
  JupyterHub in the background and print its address;
- ``add-students FILE``: one ``id,language`` per line; every line is checked
  first, then each student gets a Unix account with a random password
  (``secrets/passwords.csv``, root only). A running hub takes them at once;
- ``status``: one line per person who signed in: role, language, server (the hub's REST API,
  with the course's service token);
- ``stop``: stop the hub, its proxy and every server.

A bad setting stops the command with exit code 2 and a message, before anything changes.

Typical use::

    tools/course hub start --instructor teacher --lang en
    tools/course hub add-students roster.csv
    tools/course hub stop
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import stat
import subprocess
import sys
from pathlib import Path

PACKAGE_NAME = "socket_course_hub"  # the name hub/jupyterhub_config.py gives it


def load_package():
    """Import this folder as ``socket_course_hub`` (once), without touching sys.path."""
    if PACKAGE_NAME not in sys.modules:
        folder = Path(__file__).resolve().parent
        spec = importlib.util.spec_from_file_location(PACKAGE_NAME, folder / "__init__.py", submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE_NAME] = module
        spec.loader.exec_module(module)
    return sys.modules[PACKAGE_NAME]


def say(message: str) -> None:
    print(f"[course] {message}", file=sys.stderr, flush=True)


def load_student_edition():
    """tools/course_grading/student_edition.py, by path (it needs nothing else of the grading package)."""
    from socket_course_hub.state import REPO_ROOT

    name = "socket_course_student_edition"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "tools" / "course_grading" / "student_edition.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


def exposed_secrets(root: Path) -> list[Path]:
    """Folders of the instructor's repository that quote solutions or hidden tests and every host user may read.

    ``solutions/``, ``tests/``, the solutions' catalogs and git's object store
    (a clone's ``.git``, a worktree's common git folder) all hold hidden tests.
    """
    candidates = [root / "solutions", root / "tests", *sorted(root.glob("locale/*/solutions"))]
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "--path-format=absolute", "--git-common-dir"],
                              capture_output=True, text=True, timeout=30)
        if done.returncode == 0 and done.stdout.strip():
            candidates.append(Path(done.stdout.strip()))
    except (OSError, subprocess.TimeoutExpired):
        pass
    return [folder for folder in candidates if folder.is_dir() and folder.stat().st_mode & stat.S_IROTH]


def start(args) -> int:
    from socket_course_hub import accounts, exchange, launch
    from socket_course_hub.state import REPO_ROOT, HubError, course_language

    state = args.state
    settings = state.settings()
    instructor = args.instructor or settings.get("instructor")
    if not instructor:
        raise HubError("the first start needs --instructor NAME (a Unix user name for the instructor)")
    if not accounts.NAME.match(instructor):
        raise HubError(f"{instructor!r} is not a usable Unix user name")
    lang = course_language(args.lang or settings.get("lang", "en"))
    group = args.group or settings.get("group", "sockets-hub")
    if launch.hub_running(state):
        raise HubError("the hub is running already: tools/course hub stop first")

    state.prepare()
    launch.ensure_proxy()
    accounts.ensure_group(group)
    password = accounts.create_account(instructor, group)
    if password:
        accounts.record_passwords(state.passwords, {instructor: password})
    opened = accounts.grant_interpreter_access(group)
    if opened:
        say(f"The hub's group {group} may now traverse {', '.join(map(str, opened))} (an ACL, to reach the course's Python).")

    edition = load_student_edition()
    try:
        edition.build(state.student_edition, REPO_ROOT)
    except edition.EditionError as error:
        raise HubError(f"no student edition, so no hub: {error}") from None
    os.chmod(state.student_edition, 0o755)
    exchange.make_exchange(state.exchange, instructor)
    exchange.write_nbgrader_config(state.jupyter_config, state.exchange)
    exchange.write_student_config(state.student_config)
    exposed = exposed_secrets(REPO_ROOT)
    if exposed:
        say("WARNING: every user of this host, students included, can read these folders, which hold the hidden "
            f"tests: {', '.join(map(str, exposed))}. Close them with: chmod 700 {' '.join(map(str, exposed))} "
            "(docs/hub.md, 'What a shared host does not isolate').")

    state.save_settings({**state.settings(), "instructor": instructor, "lang": lang, "group": group})
    url = launch.start_hub(state, public_port=args.port)
    say(f"The hub is up at {url} (this host only). Passwords: {state.passwords} (root only).")
    say(f"Instructor: {instructor}, grading in {lang}. Add students with: tools/course hub add-students FILE")
    print(url)
    return 0


def add_students(args) -> int:
    from socket_course_hub import accounts
    from socket_course_hub.state import HubError

    state = args.state
    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as error:
        raise HubError(f"cannot read the roster {args.file}: {error.strerror}") from None
    entries = accounts.parse_roster(text, str(args.file))  # every line checked before any account exists
    settings = state.settings()
    group = settings.get("group", "sockets-hub")
    if any(name == settings.get("instructor") for name, _ in entries):
        raise HubError(f"{settings['instructor']} is the instructor, not a student")
    state.prepare()
    accounts.ensure_group(group)
    roster, passwords = state.roster(), {}
    for name, lang in entries:
        password = accounts.create_account(name, group)
        if password:
            passwords[name] = password
        roster[name] = lang
        state.save_roster(roster)  # after each account: an interrupted run leaves a roster that matches the accounts
        accounts.record_passwords(state.passwords, passwords)
    say(f"{len(passwords)} new student accounts, {len(entries) - len(passwords)} already there; "
        f"passwords in {state.passwords} (root only).")
    return 0


def status(args) -> int:
    """Who is on the hub: one line per person (role, language, server), from the hub's REST API."""
    from socket_course_hub import launch

    state = args.state
    if not launch.hub_running(state):
        say("No hub is running.")
        return 1
    settings, roster = state.settings(), state.roster()
    url = f"http://127.0.0.1:{settings['ports']['public']}/"
    for user in launch.hub_users(url, state.secret("service-token")):
        name = user["name"]
        role = "instructor" if name == settings.get("instructor") else "student"
        server = user.get("servers", {}).get("")
        running = "server ready" if server and server.get("ready") else ("server starting" if server else "no server")
        print(f"{name}\t{role}\t{roster.get(name, settings.get('lang', 'en'))}\t{running}\tlast activity {user.get('last_activity') or '-'}")
    return 0


def stop(args) -> int:
    from socket_course_hub import launch

    if launch.stop_hub(args.state):
        say("The hub, its proxy and every server are stopped.")
    else:
        say("No hub was running.")
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    from socket_course_hub.state import HubState

    parser = argparse.ArgumentParser(prog="tools/course hub", description="The course's trial JupyterHub on this host.")
    parser.add_argument("--state", type=HubState.at, default=HubState.at(None),
                        help="the hub's folder (default: $COURSE_HUB_STATE or hub/state)")
    commands = parser.add_subparsers(dest="command", required=True)
    started = commands.add_parser("start", help="start the hub (first time: --instructor NAME)")
    started.add_argument("--instructor", help="the instructor's Unix user name (created if missing)")
    started.add_argument("--lang", help="the grading language: en, es, fr, id or zh-TW (default: en)")
    started.add_argument("--group", help="the hub's Unix group (default: sockets-hub)")
    started.add_argument("--port", type=int, help="the hub's port on 127.0.0.1, for a reverse proxy in front (default: a free port)")
    started.set_defaults(run=start)
    added = commands.add_parser("add-students", help="add the students of a roster file (id,language per line)")
    added.add_argument("file", type=Path)
    added.set_defaults(run=add_students)
    commands.add_parser("status", help="list the hub's users and their servers").set_defaults(run=status)
    commands.add_parser("stop", help="stop the hub and every server").set_defaults(run=stop)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    # tools/course_hub is sys.path[0] when run as a folder: drop it, so modules are never imported twice.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    load_package()
    from socket_course_hub.state import HubError

    args = parse_args(argv)
    if os.geteuid() != 0:
        say("tools/course hub must run as root: it creates Unix users and starts servers as them.")
        return 2
    try:
        return args.run(args)
    except HubError as error:
        say(f"Stopped: {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
