"""A bad setting stops the trial hub with a non-zero exit and a clear message, before anything changes.

These tests need no running hub: the roster parser, ``tools/course hub``
refusing bad options and rosters, and JupyterHub itself refusing to start
with ``hub/jupyterhub_config.py`` on a broken state folder.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from trial_hub import REPO, TrialHub, accounts
from socket_course_hub.ports import server_pool_range  # noqa: E402 - trial_hub loads the package

root_only = pytest.mark.skipif(os.geteuid() != 0 or sys.platform != "linux", reason="the hub's commands run as root on Linux")


def test_roster_lines_become_ids_and_course_languages():
    """``id,language`` lines give normalised course tags; blank lines and comments are skipped."""
    text = "# class of 2027\nalice, es\n\nbob,zh_tw\ncarla,FR\n"
    assert accounts.parse_roster(text) == [("alice", "es"), ("bob", "zh-TW"), ("carla", "fr")]


@pytest.mark.parametrize("text, message", [
    ("alice,es\nbob,pt\n", "roster:2: unknown language 'pt'"),
    ("Alice,es\n", "roster:1: 'Alice' is not a usable Unix user name"),
    ("alice,es\nalice,fr\n", "roster:2: alice is listed twice"),
    ("alice\n", "roster:1: expected 'id,language'"),
])
def test_a_bad_roster_line_is_named(text, message):
    """Each kind of bad roster line raises an error that names the line and the problem."""
    with pytest.raises(accounts.AccountError) as error:
        accounts.parse_roster(text)
    assert str(error.value).startswith(message)


@pytest.fixture
def trial():
    """A hub state folder with its own group name, never started; cleaned up afterwards."""
    hub = TrialHub.create(f"zzhub{secrets.token_hex(2)}")
    yield hub
    hub.cleanup()


@root_only
def test_an_unknown_grading_language_stops_start(trial):
    """``start --lang pt`` exits 2 naming the languages, and creates no account and no state."""
    done = trial.cli("start", "--instructor", trial.instructor, "--group", trial.group, "--lang", "pt", check=False)
    assert done.returncode == 2
    assert "unknown language 'pt'; choose one of: en, es, fr, id, zh-TW" in done.stderr
    assert not trial.state.root.exists()
    assert not accounts.user_exists(trial.instructor)


@root_only
def test_a_bad_roster_creates_no_account(trial):
    """A roster whose second line is bad stops add-students before the first line's account exists."""
    roster = trial.root / "roster.csv"
    roster.write_text(f"{trial.prefix}-s1,es\n{trial.prefix}-s2,klingon\n", encoding="utf-8")
    done = trial.cli("add-students", str(roster), check=False)
    assert done.returncode == 2
    assert f"{roster}:2: unknown language 'klingon'" in done.stderr
    assert not accounts.user_exists(f"{trial.prefix}-s1")


@root_only
def test_an_existing_account_is_never_taken_over(trial):
    """A roster naming a host account outside the hub's group ('daemon') stops with exit 2; daemon is unchanged."""
    trial.state.prepare()
    trial.state.save_settings({"group": trial.group})
    roster = trial.root / "roster.csv"
    roster.write_text("daemon,en\n", encoding="utf-8")
    done = trial.cli("add-students", str(roster), check=False)
    assert done.returncode == 2
    assert "a Unix user daemon exists already and is not in the hub's group" in done.stderr
    assert not accounts.in_group("daemon", trial.group)
    assert "daemon" not in trial.state.roster()


def run_jupyterhub(trial: TrialHub) -> subprocess.CompletedProcess:
    """JupyterHub with the course's configuration on ``trial``'s state folder (it must stop by itself)."""
    env = {**os.environ, "COURSE_HUB_STATE": str(trial.state.root)}
    return subprocess.run([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(REPO / "hub" / "jupyterhub_config.py")],
                          cwd=trial.root, env=env, capture_output=True, text=True, timeout=120)


@root_only
@pytest.mark.parametrize("broken, message", [
    ("no student edition", "no student edition in"),
    ("unknown roster language", "unknown language 'pt'"),
    ("no instructor", "has no instructor or ports"),
    ("LTI 1.3 without jwks_endpoint", "lti13.json: missing jwks_endpoint"),
])
def test_jupyterhub_refuses_a_broken_state(trial, broken, message):
    """The hub's configuration raises on a broken state folder: JupyterHub exits non-zero with the message."""
    trial.state.prepare()
    settings = {"instructor": trial.instructor, "lang": "en", "group": trial.group,
                "ports": {"public": 1, "proxy_api": 2, "hub": 3}}  # never bound: the hub must stop before
    if broken == "no instructor":
        del settings["instructor"]
    trial.state.save_settings(settings)
    if broken != "no student edition":
        (trial.state.student_edition / "notebooks" / "en").mkdir(parents=True)
    if broken == "unknown roster language":
        trial.state.save_roster({f"{trial.prefix}-s1": "pt"})
    if broken.startswith("LTI"):
        lti = {key: value for key, value in LTI13.items() if key != "jwks_endpoint"}
        (trial.state.root / "lti13.json").write_text(json.dumps(lti), encoding="utf-8")
    done = run_jupyterhub(trial)
    assert done.returncode != 0
    assert message in done.stdout + done.stderr, (done.stdout + done.stderr)[-3000:]


def test_the_proxy_version_range_is_compatible_with_5_3():
    """hub/package.json asks npm for configurable-http-proxy ^5.3 (5.3 or a later 5.x), and the lock agrees."""
    package = json.loads((REPO / "hub" / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == {"configurable-http-proxy": "^5.3.0"}
    lock = json.loads((REPO / "hub" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"].startswith("5.")


#: What a platform's administrator gives the instructor (here a made-up Moodle; nothing is contacted).
LTI13 = {
    "issuer": "https://moodle.example.edu",
    "client_id": "sockets-hub-client",
    "authorize_url": "https://moodle.example.edu/mod/lti/auth.php",
    "jwks_endpoint": "https://moodle.example.edu/mod/lti/certs.php",
    "username_key": "custom_username",
    "tool_name": "Socket programming",
}


@root_only
def test_lti13_json_switches_the_hub_to_the_platforms_sign_in(trial):
    """With lti13.json the hub serves LTI 1.3's tool configuration, and its password form is gone."""
    trial.state.prepare()
    (trial.state.root / "lti13.json").write_text(json.dumps(LTI13), encoding="utf-8")
    url = trial.start()
    config = requests.get(url + "hub/lti13/config", timeout=30)
    assert config.status_code == 200, config.text
    tool = config.json()
    assert tool["title"] == "Socket programming"
    assert tool["oidc_initiation_url"] == url + "hub/lti13/oauth_login"
    login_page = requests.get(url + "hub/login", timeout=30)
    assert 'name="password"' not in login_page.text


@root_only
def test_a_taken_port_stops_start(trial):
    """``start --port`` on a port another program listens on stops with exit 2 and names the port."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        done = trial.cli("start", "--instructor", trial.instructor, "--group", trial.group, "--port", str(port), check=False)
    assert done.returncode == 2
    assert f"port {port} of 127.0.0.1 is not free" in done.stderr


@root_only
def test_start_retries_when_a_chosen_port_is_taken_before_the_hub_binds_it(trial, monkeypatch):
    """The race of free_ports(): a port taken between the choice and the bind makes start pick new ports."""
    trial.start()
    trial.cli("stop")
    launch = importlib.import_module("socket_course_hub.launch")
    with socket.socket() as thief:  # the other program that takes the port first
        thief.bind(("127.0.0.1", 0))
        thief.listen()
        taken = thief.getsockname()[1]
        starts = []
        real_free_ports = launch.free_ports

        def free_ports(count, host="127.0.0.1"):  # the first start's public port is the taken one
            starts.append(real_free_ports(count, host))
            return [taken, *starts[-1][1:]] if len(starts) == 1 else starts[-1]

        monkeypatch.setattr(launch, "free_ports", free_ports)
        url = launch.start_hub(trial.state)
    try:
        assert f":{taken}/" not in url and len(starts) == 2
        # The ports come from the range below the ephemeral one, where no bind to port 0 lands.
        assert all(port in server_pool_range() for port in trial.state.settings()["ports"].values())
        assert requests.get(url + "hub/api/", timeout=30).json()["version"]
        log = trial.state.log.read_text(encoding="utf-8", errors="replace")
        assert any(mark in log for mark in launch.ADDRESS_IN_USE)
    finally:
        launch.stop_hub(trial.state)
