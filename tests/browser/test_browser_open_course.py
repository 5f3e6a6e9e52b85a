"""``tools/course open``: the lesson, the interface language, the token, and nobody else's settings.

The launcher (tools/open_course.py) runs from a copy of the course with a
temporary HOME, so the test can also check that nothing lands in the user's
own Jupyter settings.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import sys
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kernel_ready import wait_until_answering
from labpaths import ROOT
from labpage import wait_kernel_idle
from labserver import LabServer

LAUNCHER = ROOT / "tools" / "open_course.py"


def load_launcher():
    """tools/open_course.py as a module (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("open_course", LAUNCHER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CourseLauncher(LabServer):
    """JupyterLab as ``tools/open_course.py`` starts it, with JupyterLab's own token."""

    def __init__(self, root: Path, state: Path, lang: str):
        super().__init__(root, state)
        self.lang = lang
        self.settings_dir = state / "course-settings"
        self.home = state / "home"

    def environment(self) -> dict:
        env = super().environment()
        del env["JUPYTER_TOKEN"]  # the launcher relies on JupyterLab's random token
        self.home.mkdir(exist_ok=True)
        env["HOME"] = str(self.home)
        return env

    def command(self) -> list[str]:
        return [
            sys.executable, str(self.root / "tools" / "open_course.py"),
            "--lang", self.lang, "--no-browser", "--settings-dir", str(self.settings_dir),
            "--", "--ServerApp.log_level=DEBUG",  # the readiness signal LabServer waits for
            "--LabApp.expose_app_in_browser=True",  # lets the test see the lesson's kernel
        ]

    def start(self, timeout: float = 90.0):
        super().start(timeout)
        query = urllib.parse.urlparse(self.announced_url).query
        self.token = urllib.parse.parse_qs(query)["token"][0]
        return self


@pytest.fixture
def launch(tmp_path, course_copy):
    """Start the launcher for a language; stop it after the test."""
    started = []

    def start(lang: str) -> CourseLauncher:
        launcher = CourseLauncher(course_copy, tmp_path / f"state-{len(started)}", lang)
        started.append(launcher)
        return launcher.start()

    yield start
    for launcher in started:
        launcher.stop()


@pytest.mark.parametrize(
    ("lang", "lesson_folder", "name_header"),
    # The file browser's "Name" column header, as each language pack translates it.
    [("es", "es", "Nombre"), ("zh_tw", "zh-TW", "名稱")],
    ids=["es", "zh-TW"],
)
def test_open_course_shows_the_start_lesson_in_the_chosen_language(request, launch, new_context, lang, lesson_folder, name_header):
    """The printed address opens that language's "Start here", with JupyterLab's interface translated."""
    launcher = launch(lang)
    request.node.lab_for_log = launcher
    folder = lesson_folder  # both editions exist; the English fallback is tested by test_start_lesson_falls_back_...
    assert launcher.announced_url.startswith(f"http://127.0.0.1:{launcher.port}/lab/tree/notebooks/{folder}/00-start-here.ipynb?token=")
    assert len(launcher.token) >= 32, "JupyterLab's own random token protects the server"
    log = launcher.log_path.read_text(encoding="utf-8")
    assert "edition of the lessons yet" not in log

    page = new_context().new_page()
    page.goto(launcher.announced_url)
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")
    expect(tab).to_contain_text("00-start-here.ipynb", timeout=60_000)
    expect(tab).to_have_attribute("title", re.compile(f"notebooks/{folder}/00-start-here.ipynb"))
    expect(page.locator(".jp-DirListing-headerItem.jp-id-name")).to_have_text(name_header)
    wait_kernel_idle(page)  # the lesson's kernel started: the student can run the first cell
    # The course turned JupyterLab's news question off (binder/overrides.json): no English pop-up asks.
    expect(page.get_by_text("official Jupyter news")).to_have_count(0)

    settings = launcher.settings_dir / "user-settings" / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
    module = load_launcher()
    assert json.loads(settings.read_text(encoding="utf-8"))["locale"] == module.UI_LOCALES[module.course_language(lang)]
    assert not list(launcher.home.rglob("*.jupyterlab-settings")), "the user's own JupyterLab settings were touched"
    assert not list((launcher.state / "user-settings").rglob("translation-extension/*")), "JUPYTERLAB_SETTINGS_DIR was used"


def test_preset_keeps_other_settings_and_repairs_unreadable_files(tmp_path):
    """Presetting the locale keeps other keys of the file and rewrites a file that is not JSON."""
    launcher = load_launcher()
    path = launcher.preset_interface_language(tmp_path, "es_ES")
    path.write_text(json.dumps({"locale": "es_ES", "stringsPrefix": "!"}), encoding="utf-8")
    launcher.preset_interface_language(tmp_path, "fr_FR")
    assert json.loads(path.read_text(encoding="utf-8")) == {"locale": "fr_FR", "stringsPrefix": "!"}
    path.write_text("{ // a comment JupyterLab allows\n }", encoding="utf-8")
    launcher.preset_interface_language(tmp_path, "zh_TW")
    assert json.loads(path.read_text(encoding="utf-8")) == {"locale": "zh_TW"}


def test_course_settings_are_preset_beside_other_settings(tmp_path):
    """The launcher writes the course's settings (fetchNews "false") into its settings folder, keeping other keys."""
    launcher = load_launcher()
    path = tmp_path / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"doNotDisturbMode": True}), encoding="utf-8")
    assert launcher.preset_course_settings(tmp_path) == [path]
    assert json.loads(path.read_text(encoding="utf-8")) == {"doNotDisturbMode": True, "fetchNews": "false"}


def test_language_option_accepts_the_usual_spellings_and_rejects_others():
    """--lang takes course tags and locale spellings (ES, zh_TW, fr-FR) and refuses unknown languages."""
    launcher = load_launcher()
    assert [launcher.course_language(v) for v in ("ES", "zh_TW", "zh-tw", "fr-FR", "id", "en")] == [
        "es", "zh-TW", "zh-TW", "fr", "id", "en"
    ]
    with pytest.raises(Exception, match="unknown language"):
        launcher.course_language("de")


def test_start_lesson_falls_back_to_english_until_an_edition_exists(tmp_path):
    """A language without notebooks/<lang>/ opens the English "Start here" lesson."""
    launcher = load_launcher()
    (tmp_path / "notebooks" / "en").mkdir(parents=True)
    (tmp_path / "notebooks" / "en" / "00-start-here.ipynb").write_text("{}", encoding="utf-8")
    assert launcher.start_lesson("fr", tmp_path) == ("en", tmp_path / "notebooks" / "en" / "00-start-here.ipynb")
    (tmp_path / "notebooks" / "fr").mkdir()
    (tmp_path / "notebooks" / "fr" / "00-start-here.ipynb").write_text("{}", encoding="utf-8")
    assert launcher.start_lesson("fr", tmp_path)[0] == "fr"


def test_jupyterlab_command_binds_loopback_on_a_free_port_and_opens_the_lesson(tmp_path):
    """The command serves the course root on 127.0.0.1, port 0, with the lesson as default URL."""
    launcher = load_launcher()
    lesson = launcher.ROOT / "notebooks" / "en" / "00-start-here.ipynb"
    command = launcher.jupyterlab_command(lesson, tmp_path, open_browser=False, extra=["--debug"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--ServerApp.ip=127.0.0.1" in command and "--port=0" in command and "--no-browser" in command
    assert "--LabApp.default_url=/lab/tree/notebooks/en/00-start-here.ipynb" in command
    assert f"--LabApp.user_settings_dir={tmp_path / 'user-settings'}" in command
    assert command[-1] == "--debug"
    assert not any(re.search(r"token=|--port=[1-9]", part) for part in command)


def test_kernels_of_the_course_use_ipc_sockets_in_a_private_folder(launch):
    """On Linux the launcher's kernels talk over ZMQ IPC: socket files in the private runtime folder, and code runs."""
    from jupyter_client import BlockingKernelClient

    launcher = launch("en")
    kernel = launcher.api("POST", "api/kernels", {"name": "python3"})
    runtime = launcher.runtime
    info = json.loads((runtime / f"kernel-{kernel['id']}.json").read_text(encoding="utf-8"))
    assert info["transport"] == "ipc" and Path(info["ip"]).parent == runtime
    assert runtime.stat().st_mode & 0o777 == 0o700  # Jupyter also sets the sticky bit
    client = BlockingKernelClient()
    client.load_connection_info(info)
    client.start_channels()
    try:
        wait_until_answering(client, timeout=60)
        printed = []
        reply = client.execute_interactive(
            "print(6 * 7)", timeout=30,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
    finally:
        client.stop_channels()
    assert reply["content"]["status"] == "ok" and "".join(printed) == "42\n"
    for channel in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
        assert stat.S_ISSOCK(os.stat(f"{info['ip']}-{info[channel]}").st_mode), channel
    launcher.api("DELETE", f"api/kernels/{kernel['id']}")


def test_kernel_runtime_dir_falls_back_to_a_private_folder(tmp_path):
    """A runtime folder others may enter, or one too deep for a socket path, gives a fresh 0700 folder; Windows keeps TCP."""
    import tempfile

    launcher = load_launcher()
    assert launcher.kernel_transport_options("win32") == [] and launcher.kernel_runtime_dir("win32", tmp_path) is None
    assert launcher.kernel_transport_options("linux") == ["--KernelManager.transport=ipc"]
    with tempfile.TemporaryDirectory(prefix="rt-") as short:  # mode 0700 and a short path: kept as it is
        assert launcher.kernel_runtime_dir("linux", Path(short)) is None
        shared = Path(short) / "shared"
        shared.mkdir()
        shared.chmod(0o755)
        deep = Path(short) / ("d" * 60) / ("e" * 60)
        deep.mkdir(mode=0o700, parents=True)
        deep.chmod(0o700)
        for folder in (shared, deep):
            fallback = launcher.kernel_runtime_dir("linux", folder)
            assert fallback is not None and fallback != folder
            assert stat.S_IMODE(fallback.stat().st_mode) == 0o700
            assert len(str(fallback / launcher.LONGEST_KERNEL_SOCKET)) <= launcher.SOCKET_PATH_LIMIT
            fallback.rmdir()
