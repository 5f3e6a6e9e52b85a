"""The Zero to JupyterHub values (hub/kubernetes/values.yaml): language profiles, IPC kernels, exchange, limits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
from open_course import TRANSLATION_SETTINGS, UI_LOCALES  # noqa: E402

VALUES = yaml.safe_load((REPO / "hub" / "kubernetes" / "values.yaml").read_text(encoding="utf-8"))
SINGLEUSER = VALUES["singleuser"]


def post_start(home: Path, locale: str | None) -> subprocess.CompletedProcess:
    """Run the values' postStart hook as the pod would, with HOME and the profile's locale."""
    command = SINGLEUSER["lifecycleHooks"]["postStart"]["exec"]["command"]
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    if locale is not None:
        env["COURSE_UI_LOCALE"] = locale
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=10)


def test_one_profile_per_course_language_with_its_locale():
    """The profiles offer exactly the course's five languages, each with its language pack's locale."""
    locales = [p["kubespawner_override"]["environment"]["COURSE_UI_LOCALE"] for p in SINGLEUSER["profileList"]]
    assert sorted(locales) == sorted(UI_LOCALES.values())
    assert [p.get("default") for p in SINGLEUSER["profileList"]].count(True) == 1


@pytest.mark.parametrize("locale", sorted(UI_LOCALES.values()))
def test_post_start_writes_the_locale_jupyterlab_reads(tmp_path, locale):
    """The hook writes {"locale": ...} where JupyterLab reads the interface language."""
    result = post_start(tmp_path, locale)
    assert result.returncode == 0, result.stderr
    written = tmp_path / ".jupyter" / "lab" / "user-settings" / TRANSLATION_SETTINGS
    assert json.loads(written.read_text()) == {"locale": locale}


def test_post_start_keeps_a_students_own_choice(tmp_path):
    """A student who chose another language keeps it: the hook never overwrites the settings file."""
    written = tmp_path / ".jupyter" / "lab" / "user-settings" / TRANSLATION_SETTINGS
    written.parent.mkdir(parents=True)
    written.write_text('{"locale": "fr_FR"}\n')
    assert post_start(tmp_path, "es_ES").returncode == 0
    assert json.loads(written.read_text()) == {"locale": "fr_FR"}


def test_post_start_without_a_profile_writes_nothing(tmp_path):
    """Without a profile's locale the hook succeeds and leaves JupyterLab's default alone."""
    assert post_start(tmp_path, None).returncode == 0
    assert not (tmp_path / ".jupyter").exists()


def test_kernels_use_the_ipc_transport():
    """Every student's server starts kernels on ZMQ's IPC transport (no ports to race for)."""
    assert '"--KernelManager.transport=ipc"' in VALUES["hub"]["extraConfig"]["10-ipc-kernels"]


def test_the_exchange_goes_through_the_hubs_ngshare_service():
    """Every pod's nbgrader config reaches the ngshare service the hub proxies, for the one course id."""
    service = VALUES["hub"]["services"]["ngshare"]
    assert service["url"].startswith("http://ngshare.") and service["apiToken"]
    config = SINGLEUSER["extraFiles"]["nbgrader-config"]["stringData"]
    assert "from ngshare_exchange import configureExchange" in config
    assert '/services/ngshare")' in config
    assert 'c.CourseDirectory.course_id = "sockets"' in config


def test_no_volume_is_shared_between_students():
    """No exchange volume is mounted in every pod: students share the same uid, so it would not isolate them."""
    storage = SINGLEUSER["storage"]
    assert not storage.get("extraVolumes") and not storage.get("extraVolumeMounts")
    assert "Exchange.root" not in SINGLEUSER["extraFiles"]["nbgrader-config"]["stringData"]


def test_every_student_has_limits_and_idle_servers_are_culled():
    """Memory and CPU have a guarantee below their limit, and idle servers are stopped."""
    def megabytes(text: str) -> float:
        units = {"M": 1, "G": 1024, "Mi": 1, "Gi": 1024}
        number = text.rstrip("MGi")
        return float(number) * units[text[len(number):]]
    assert megabytes(SINGLEUSER["memory"]["guarantee"]) < megabytes(SINGLEUSER["memory"]["limit"])
    assert SINGLEUSER["cpu"]["guarantee"] < SINGLEUSER["cpu"]["limit"]
    assert VALUES["cull"]["enabled"] is True and VALUES["cull"]["timeout"] > 0
