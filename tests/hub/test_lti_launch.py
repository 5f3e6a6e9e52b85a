"""LTI 1.3 launches into the trial hub from a fake platform, with signed id_tokens (no Canvas or Moodle here).

One hub for the module (``lti_hub``), started with ``lti13.json`` naming a
``FakePlatform`` (tests/hub/lti_platform.py) on 127.0.0.1 and one roster
student. Each test plays a whole launch in a browser session of its own: the
login initiation, the hub's authorization request, the id_token posted back.
The hub is real (ltiauthenticator's handlers, JupyterHub's roster check) and
so is the HTTP; only the platform is a stand-in. Nobody's server is started:
signing in is the point.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import sys
import time

import pytest

from lti_platform import FakePlatform, new_key
from trial_hub import HubSession, TrialHub, accounts

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0 or sys.platform != "linux", reason="the trial hub makes Unix users: root on Linux only"),
    pytest.mark.timeout(300),  # the module's hub starts inside the first test
]
launch = importlib.import_module("socket_course_hub.launch")  # trial_hub loaded the package


@pytest.fixture(scope="module")
def lti_hub():
    """A hub whose sign-in is a FakePlatform's, with one roster student (``hub.student``); yields (hub, platform)."""
    prefix = f"zzhub{secrets.token_hex(2)}"
    trial = TrialHub.create(prefix)
    platform = FakePlatform()
    try:
        # The roster before the start: with LTI the hub reads who may sign in when it starts.
        trial.state.prepare()
        trial.state.save_settings({"group": trial.group})
        trial.student = f"{prefix}-s1"
        trial.add_students({trial.student: "en"})
        settings = platform.lti13_settings(tool_name="Socket programming")
        (trial.state.root / "lti13.json").write_text(json.dumps(settings), encoding="utf-8")
        trial.start()
        yield trial, platform
    finally:
        try:
            trial.cleanup()
        finally:
            platform.close()


def hub_user_names(hub: TrialHub) -> list[str]:
    return [user["name"] for user in launch.hub_users(hub.url, hub.state.secret("service-token"))]


def refused(hub: TrialHub, platform: FakePlatform, status: int, message: str, **launch_options) -> None:
    """A launch of the roster student, changed by ``launch_options``, gets ``status`` naming ``message``, no sign-in."""
    session = HubSession(hub.url, hub.student)
    answer = platform.launch(session.http, hub.url, hub.student, **launch_options)
    assert answer.status_code == status, answer.text[-2000:]
    assert message in answer.text, answer.text[-2000:]
    assert not session.signed_in


def test_a_roster_student_is_signed_in_as_the_user_the_platform_names(lti_hub):
    """A signed launch naming a roster student signs them in as that Unix user, its signature checked by JWKS."""
    hub, platform = lti_hub
    fetched = platform.jwks_requests
    session = HubSession(hub.url, hub.student)
    answer = platform.launch(session.http, hub.url, hub.student)
    assert answer.status_code == 302, answer.text[-2000:]
    assert session.signed_in
    assert platform.jwks_requests > fetched  # the hub fetched the platform's keys to verify the token
    session.http.get(hub.url + "hub/home", timeout=30).raise_for_status()  # the page sets the _xsrf cookie the API wants
    me = session.hub_api("GET", "user")
    assert me.status_code == 200, me.text
    assert me.json()["name"] == hub.student
    assert not me.json()["admin"]
    assert hub.student in hub_user_names(hub)


def test_someone_not_on_the_roster_is_refused_and_not_created(lti_hub):
    """A correctly signed launch of a name that is not on the roster gets 403 and no hub user or Unix account."""
    hub, platform = lti_hub
    outsider = f"{hub.prefix}-x9"
    session = HubSession(hub.url, outsider)
    answer = platform.launch(session.http, hub.url, outsider)
    assert answer.status_code == 403, answer.text[-2000:]
    assert not session.signed_in
    assert outsider not in hub_user_names(hub)
    assert not accounts.user_exists(outsider)


def test_an_id_token_signed_with_another_key_is_refused(lti_hub):
    """An id_token with the platform's key id but signed by another key gets 400: the signature is checked."""
    hub, platform = lti_hub
    refused(hub, platform, 400, "Signature verification failed", key=new_key())


def test_an_id_token_with_another_nonce_is_refused(lti_hub):
    """An id_token whose nonce is not the one of this browser's login initiation (a replay) gets 400."""
    hub, platform = lti_hub
    refused(hub, platform, 400, "OAuth nonce mismatch", claims={"nonce": secrets.token_hex(32)})


def test_an_expired_id_token_is_refused(lti_hub):
    """An id_token whose exp has passed gets 400, though everything else about it is right."""
    hub, platform = lti_hub
    now = int(time.time())
    refused(hub, platform, 400, "Signature has expired", claims={"iat": now - 120, "exp": now - 60})
