"""Open the course in JupyterLab: ``tools/course open [--lang es] [--no-browser]``.

What it does, in order:

1. picks the "Start here" lesson of the language (``notebooks/<lang>/00-start-here.ipynb``),
   or the English one, with a message, while that edition does not exist yet;
2. presets JupyterLab's interface language when its language pack is installed
   (es-ES, fr-FR, id-ID, zh-TW), and the course's settings of ``binder/overrides.json``
   (no "official Jupyter news" pop-up), in the course's own settings folder, so the
   settings of your other JupyterLab projects stay as they are;
3. starts JupyterLab from the course folder (nbgrader's formgrader finds
   ``nbgrader_config.py`` there) on 127.0.0.1, a free port and JupyterLab's
   own random token, and opens the lesson in your browser. On Linux and macOS
   its kernels use ZMQ's IPC transport: their sockets are files in a private
   folder, so no kernel ever races another program for a TCP port (on a busy
   host that race makes a kernel start fail now and then), and no other user
   can reach them. Windows keeps TCP.

The course's JupyterLab settings and workspaces live in
``<venv>/share/socket-course/`` (or, outside a virtual environment, in
Jupyter's data folder), so deleting ``.venv`` resets them too.

Options after ``--`` go to JupyterLab unchanged, e.g.
``tools/course open -- --ServerApp.port_retries=0``.

Typical use::

    tools/course open --lang es
    python tools/open_course.py --lang zh-TW --no-browser
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
import tempfile
from importlib.metadata import entry_points
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START_LESSON = "00-start-here.ipynb"
SOURCE_LANGUAGE = "en"

#: Course language -> JupyterLab locale of its language pack (jupyterlab-language-pack-<xx-YY>).
UI_LOCALES = {"en": "en", "es": "es_ES", "fr": "fr_FR", "id": "id_ID", "zh-TW": "zh_TW"}
#: Where JupyterLab keeps the interface language among its user settings.
TRANSLATION_SETTINGS = Path("@jupyterlab", "translation-extension", "plugin.jupyterlab-settings")
#: The course's JupyterLab settings, as an overrides.json (Binder installs the same file, see binder/postBuild).
COURSE_SETTINGS = ROOT / "binder" / "overrides.json"
#: Longest path a Unix socket may have (sun_path less its final NUL): Linux 108, macOS 104 bytes.
SOCKET_PATH_LIMIT = {"darwin": 103}.get(sys.platform, 107)
#: The longest IPC socket path a kernel makes in its folder: kernel-<uuid>-ipc-<port number>.
LONGEST_KERNEL_SOCKET = "kernel-00000000-0000-0000-0000-000000000000-ipc-99"


def say(message: str) -> None:
    """One line for the student, on stderr like JupyterLab's own messages."""
    print(f"[course] {message}", file=sys.stderr, flush=True)


def course_language(value: str) -> str:
    """Normalise ``--lang`` ("ES", "zh_TW") to a course tag, or raise argparse's error.

    Typical use::

        course_language("zh_tw")   # -> "zh-TW"
    """
    wanted = value.strip().replace("_", "-").lower()
    for tag in UI_LOCALES:
        if wanted in (tag.lower(), UI_LOCALES[tag].replace("_", "-").lower()):
            return tag
    raise argparse.ArgumentTypeError(f"unknown language {value!r}; choose one of: {', '.join(UI_LOCALES)}")


def start_lesson(lang: str, root: Path = ROOT) -> tuple[str, Path]:
    """The language whose lessons open and the "Start here" notebook, falling back to English.

    Typical use::

        start_lesson("pt")   # -> ("en", ROOT / "notebooks/en/00-start-here.ipynb") while no edition exists
    """
    lesson = root / "notebooks" / lang / START_LESSON
    if lesson.is_file():
        return lang, lesson
    return SOURCE_LANGUAGE, root / "notebooks" / SOURCE_LANGUAGE / START_LESSON


def installed_ui_locales() -> set[str]:
    """JupyterLab locales whose language pack is installed (e.g. {"es_ES", "zh_TW"}), plus "en"."""
    return {entry.name for entry in entry_points(group="jupyterlab.languagepack")} | {"en"}


def default_state_dir() -> Path:
    """The course's own JupyterLab folder: inside the virtual environment when there is one."""
    if sys.prefix != sys.base_prefix:
        return Path(sys.prefix) / "share" / "socket-course"
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "socket-course"


def settings_file(plugin_id: str) -> Path:
    """The user-settings file of a JupyterLab plugin id ("@jupyterlab/apputils-extension:notification").

    Typical use::

        settings_file("@jupyterlab/translation-extension:plugin")   # @jupyterlab/translation-extension/plugin.jupyterlab-settings
    """
    package, plugin = plugin_id.split(":")
    return Path(*package.split("/")) / f"{plugin}.jupyterlab-settings"


def preset_course_settings(settings_dir: Path, overrides: Path = COURSE_SETTINGS) -> list[Path]:
    """Write every setting of ``overrides`` (an overrides.json) into ``settings_dir``, keeping other settings.

    Typical use::

        preset_course_settings(Path(".venv/share/socket-course/user-settings"))   # fetchNews: "false"
    """
    written = []
    for plugin_id, values in json.loads(overrides.read_text(encoding="utf-8")).items():
        written.append(preset_setting(settings_dir / settings_file(plugin_id), values))
    return written


def preset_interface_language(settings_dir: Path, locale: str) -> Path:
    """Set JupyterLab's ``locale`` in ``settings_dir``, keeping any other setting of that file.

    Typical use::

        preset_interface_language(Path(".venv/share/socket-course/user-settings"), "es_ES")
    """
    return preset_setting(settings_dir / TRANSLATION_SETTINGS, {"locale": locale})


def preset_setting(path: Path, new_values: dict) -> Path:
    """Set ``new_values`` in one JupyterLab settings file, keeping its other keys (an unreadable file is rewritten).

    Typical use::

        preset_setting(Path("user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"), {"fetchNews": "false"})
    """
    values = {}
    if path.is_file():
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            values = {}  # JupyterLab accepts comments here; a file we cannot read is rewritten
        if not isinstance(values, dict):
            values = {}
    values.update(new_values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
    return path


def is_private_folder(path: Path) -> bool:
    """True if ``path`` is a folder of this user that nobody else may enter (mode 0700 or stricter)."""
    try:
        info = path.stat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def kernel_transport_options(platform: str = sys.platform) -> list[str]:
    """JupyterLab options that put kernels on ZMQ's IPC transport (none on Windows, which keeps TCP).

    Typical use::

        kernel_transport_options()          # ['--KernelManager.transport=ipc'] on Linux
        kernel_transport_options("win32")   # []
    """
    return [] if platform == "win32" else ["--KernelManager.transport=ipc"]


def kernel_runtime_dir(platform: str = sys.platform, runtime_dir: Path | None = None) -> Path | None:
    """A fresh private runtime folder for JupyterLab, or None when Jupyter's own one will do.

    A kernel's IPC sockets sit next to its connection file, in the server's
    runtime folder (``JUPYTER_RUNTIME_DIR``). When that folder is not private,
    or its paths would be too long for a Unix socket, JupyterLab gets a new
    folder in the temporary folder instead (mode 0700, a short path).

    Typical use::

        env["JUPYTER_RUNTIME_DIR"] = str(kernel_runtime_dir() or jupyter_runtime_dir())
    """
    if not kernel_transport_options(platform):
        return None
    if runtime_dir is None:
        from jupyter_core.paths import jupyter_runtime_dir

        runtime_dir = Path(jupyter_runtime_dir())
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    too_long = len(os.fsencode(runtime_dir / LONGEST_KERNEL_SOCKET)) > SOCKET_PATH_LIMIT
    if too_long or not is_private_folder(runtime_dir):
        return Path(tempfile.mkdtemp(prefix="course-kernels-"))
    return None


def jupyterlab_command(lesson: Path, state_dir: Path, open_browser: bool, extra: list[str], root: Path = ROOT) -> list[str]:
    """``python -m jupyterlab ...`` for this course (the lesson opens first; settings stay in ``state_dir``)."""
    relative = lesson.relative_to(root).as_posix()
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1",  # this machine only
        "--port=0",  # a free port, never a fixed one that may be taken
        f"--LabApp.default_url=/lab/tree/{relative}",
        f"--LabApp.user_settings_dir={state_dir / 'user-settings'}",
        f"--LabApp.workspaces_dir={state_dir / 'workspaces'}",
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers often run as root; JupyterLab refuses otherwise
    return command + kernel_transport_options() + extra


def jupyterlab_environment() -> dict:
    """The environment for JupyterLab: this Python's scripts first on PATH, a private runtime folder.

    nbgrader's formgrader runs ``alembic`` by name when it creates its
    database, and kernels started from the course should find the course's
    ``python`` and ``pip``.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    private = kernel_runtime_dir()  # the kernels' IPC sockets need a private folder with short paths
    if private is not None:
        env["JUPYTER_RUNTIME_DIR"] = str(private)
    return env


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tools/course open",
        description="Open the socket-programming course in JupyterLab (127.0.0.1, a token, the Start here lesson).",
        epilog="Options after -- go to JupyterLab unchanged.",
    )
    parser.add_argument(
        "--lang", type=course_language, default=os.environ.get("COURSE_LANG") or SOURCE_LANGUAGE,
        help="course language: en, es, fr, id or zh-TW (default: $COURSE_LANG or en)",
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser; print the address instead")
    parser.add_argument("--settings-dir", type=Path, default=None, help="where the course keeps JupyterLab's settings")
    argv = list(argv)
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[: argv.index("--")]
    args = parser.parse_args(argv)
    args.extra = extra
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    lesson_lang, lesson = start_lesson(args.lang)
    if lesson_lang != args.lang:
        say(f"There is no {args.lang} edition of the lessons yet: opening the English lessons.")
    if not lesson.is_file():
        say(f"Cannot find {lesson}: is this a complete copy of the course?")
        return 1

    state_dir = (args.settings_dir or default_state_dir()).resolve()
    preset_course_settings(state_dir / "user-settings")
    locale = UI_LOCALES[args.lang]
    if locale in installed_ui_locales():
        preset_interface_language(state_dir / "user-settings", locale)
        if args.lang != SOURCE_LANGUAGE:
            say(f"JupyterLab's interface language: {locale} (change it in Settings > Language).")
    else:
        preset_interface_language(state_dir / "user-settings", "en")
        package = "jupyterlab-language-pack-" + locale.replace("_", "-")
        say(f"No JupyterLab language pack for {args.lang} is installed ({package}): the interface stays in English.")

    say(f"Opening {lesson.relative_to(ROOT)}; stop JupyterLab with Ctrl+C (twice).")
    if args.no_browser:
        say("Open the address with the token that JupyterLab prints below (it opens this lesson).")
    command = jupyterlab_command(lesson, state_dir, not args.no_browser, args.extra)
    env = jupyterlab_environment()
    os.chdir(ROOT)  # nbgrader reads nbgrader_config.py from the current folder
    if os.name == "posix":
        os.execve(sys.executable, command, env)  # JupyterLab takes over: Ctrl+C goes straight to it
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
