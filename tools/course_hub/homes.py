"""What a person's home gets before their JupyterLab starts (the hub's pre-spawn hook).

A student, at the first start only (later starts keep their work):

- ``~/sockets-course/notebooks/<lang>/``: the lessons of the student edition in
  their language (never ``solutions/``; the exercises come through nbgrader's
  Assignments tab). The folder name keeps its language tag, so
  ``helpers.setup()`` speaks the student's language;
- JupyterLab's user settings: the course's (``binder/overrides.json``) and the
  interface language of the student's language pack, written once, so a
  student who changes the language in Settings keeps the choice.

Every start: a private (0700) ``~/.local/share/jupyter/runtime`` for the
kernels' connection files and IPC sockets. All this is written *as the
student* (a child process with the student's uid): root never writes into
a folder a student controls, where a planted symlink could redirect it.

The instructor gets ``~/course``: the instructor's course (nbgrader config,
grading tools, ``solutions/``, ``exercises/``), copied by root and handed over.

Typical use (from the hook)::

    plan = prepare_home(state, "alice")    # -> HomePlan(home, notebook_dir, default_url, environment)
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .state import REPO_ROOT, HubError, HubState, open_course

__all__ = ["HomePlan", "INSTRUCTOR_COURSE", "LESSONS", "RUNTIME", "prepare_home", "server_environment"]

#: The runtime folder inside a home (Jupyter's default place, so a terminal's ``jupyter`` finds it too).
RUNTIME = Path(".local", "share", "jupyter", "runtime")
#: Where a student's lessons go inside the home.
LESSONS = Path("sockets-course")
#: Where the instructor's course goes inside the instructor's home.
INSTRUCTOR_COURSE = Path("course")
#: What the instructor's copy of the course holds (what nbgrader and tools/course grade need).
INSTRUCTOR_PARTS = ("nbgrader_config.py", "tools", "solutions", "exercises", "requirements.txt", "pyproject.toml")


#: ~/.jupyter/nbgrader_config.py of the instructor: the course's configuration, wherever nbgrader runs.
INSTRUCTOR_CONFIG = """\
# Written by the course's hub (tools/course_hub/homes.py): the formgrader of your JupyterLab starts in
# your home folder, and nbgrader commands may run anywhere; they all read the course's configuration.
import os
COURSE = {course!r}
c = get_config()  # noqa: F821
if os.path.realpath(os.getcwd()) != os.path.realpath(COURSE):  # from the course folder nbgrader reads it anyway
    load_subconfig(os.path.join(COURSE, "nbgrader_config.py"))  # noqa: F821
"""


@dataclass
class HomePlan:
    """How the hub starts one person's server: folders, first page and extra environment."""

    home: Path
    notebook_dir: Path
    default_url: str
    environment: dict = field(default_factory=dict)


def _as_user(name: str, code: str, *args: str) -> None:
    """Run ``python -c code args`` as Unix user ``name`` (its uid, gid and groups), with a deadline."""
    account = pwd.getpwnam(name)
    env = {"HOME": account.pw_dir, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", code, *args], cwd=account.pw_dir, env=env, capture_output=True, text=True,
        timeout=120, user=account.pw_uid, group=account.pw_gid, extra_groups=os.getgrouplist(name, account.pw_gid),
    )
    if done.returncode != 0:
        raise HubError(f"preparing the home of {name} failed:\n{done.stderr.strip()[-2000:]}")


#: Runs as the person: copy the lessons once (students), preset settings once, make the runtime folder.
HOME_SETUP = r"""
import json, os, shutil, sys
from pathlib import Path
lessons, lesson_dir, runtime, settings_json = sys.argv[1:5]
home = Path.home()
os.umask(0o077)
target = home / lesson_dir
if lessons and not target.exists():
    shutil.copytree(lessons, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
for relative, values in json.loads(settings_json).items():
    path = home / ".jupyter" / "lab" / "user-settings" / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
folder = home / runtime
folder.mkdir(parents=True, exist_ok=True)
os.chmod(folder, 0o700)
"""


def jupyterlab_settings(lang: str) -> dict[str, dict]:
    """JupyterLab user settings for a hub user: the course's overrides and the interface language of ``lang``."""
    settings = {}
    overrides = json.loads(open_course.COURSE_SETTINGS.read_text(encoding="utf-8"))
    for plugin_id, values in overrides.items():
        settings[str(open_course.settings_file(plugin_id))] = values
    locale = open_course.UI_LOCALES[lang]
    if locale not in open_course.installed_ui_locales():
        locale = "en"  # no language pack installed: JupyterLab would fall back anyway; say it plainly
    settings[str(open_course.TRANSLATION_SETTINGS)] = {"locale": locale}
    return settings


def check_socket_paths(home: Path) -> None:
    """Refuse a home whose kernel socket paths would be longer than a Unix socket allows."""
    longest = home / RUNTIME / open_course.LONGEST_KERNEL_SOCKET
    if len(os.fsencode(longest)) > open_course.SOCKET_PATH_LIMIT:
        raise HubError(f"{home} is too long a home for the kernels' IPC sockets ({longest} exceeds "
                       f"{open_course.SOCKET_PATH_LIMIT} bytes): use shorter user names or a shorter home root")


def server_environment(state: HubState, name: str) -> dict[str, str]:
    """What the hub adds to ``name``'s server environment; a ``runuser`` command as that user needs the same.

    Typical use::

        env = server_environment(state, "alice")   # runuser -u alice -- env K=V ... nbgrader fetch_assignment a1-sockets
    """
    home = Path(pwd.getpwnam(name).pw_dir)
    config_path = [state.jupyter_config]
    if name != state.settings().get("instructor"):
        config_path.insert(0, state.student_config)  # nbgrader's instructor tools off (exchange.py)
    return {
        "HOME": str(home),
        "USER": name,
        "JUPYTER_RUNTIME_DIR": str(home / RUNTIME),
        # The hub's nbgrader_config.py (exchange, course id) is on every server's config path.
        "JUPYTER_CONFIG_PATH": os.pathsep.join(map(str, config_path)),
        # helpers.setup() speaks this language in fetched exercises too, whose folder has no language tag;
        # the instructor's nbgrader_config.py reads it as the grading language.
        "COURSE_LANG": state.language_of(name),
        # tools/course (grade, regrade) in the instructor's copy of the course uses the hub's venv.
        "COURSE_VENV": sys.prefix,
        # nbgrader runs alembic by name; kernels should find the course's python and pip.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
    }


def prepare_home(state: HubState, name: str) -> HomePlan:
    """Prepare ``name``'s home (see the module docstring) and say how to start their server."""
    home = Path(pwd.getpwnam(name).pw_dir)
    check_socket_paths(home)
    lang = state.language_of(name)
    environment = server_environment(state, name)
    if name == state.settings().get("instructor"):
        course = home / INSTRUCTOR_COURSE
        if not course.exists():
            copy_instructor_course(course, name)
        _as_user(name, HOME_SETUP, "", "", str(RUNTIME), json.dumps(jupyterlab_settings(lang)))
        return HomePlan(home, course, "/lab", environment)

    edition = state.student_edition
    if not (edition / "notebooks").is_dir():
        raise HubError(f"no student edition in {edition}: tools/course hub start builds it")
    lesson_lang, lesson = open_course.start_lesson(lang, edition)
    lessons = edition / "notebooks" / lesson_lang
    lesson_dir = LESSONS / "notebooks" / lesson_lang
    _as_user(name, HOME_SETUP, str(lessons), str(lesson_dir), str(RUNTIME), json.dumps(jupyterlab_settings(lang)))
    return HomePlan(home, home, f"/lab/tree/{(lesson_dir / lesson.name).as_posix()}", environment)


def copy_instructor_course(target: Path, name: str) -> None:
    """Copy the instructor's course (with solutions) into the instructor's home and hand it over."""
    target.mkdir(mode=0o700)
    for part in INSTRUCTOR_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "node_modules", "state"))
        elif source.is_file():
            shutil.copy2(source, target / part)
    account = pwd.getpwnam(name)
    for folder, dirs, files in os.walk(target):
        for entry in [folder, *(os.path.join(folder, f) for f in dirs + files)]:
            os.lchown(entry, account.pw_uid, account.pw_gid)
    # The hub starts every server in the home folder (LocalProcessSpawner changes to it, whatever the
    # spawner's cwd), and nbgrader's formgrader reads nbgrader_config.py from there or from ~/.jupyter.
    config = Path(account.pw_dir) / ".jupyter" / "nbgrader_config.py"
    if not config.exists():
        config.parent.mkdir(mode=0o700, exist_ok=True)
        os.lchown(config.parent, account.pw_uid, account.pw_gid)
        config.write_text(INSTRUCTOR_CONFIG.format(course=str(target)), encoding="utf-8")
        os.lchown(config, account.pw_uid, account.pw_gid)

