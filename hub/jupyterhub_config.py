"""JupyterHub configuration of the course's trial hub: one Linux host, one Unix user per person.

Start it with ``tools/course hub start`` (docs/hub.md), which prepares what
this file reads: the state folder (``$COURSE_HUB_STATE``, by default
``hub/state/``) with ``hub.json`` (instructor, grading language, group,
ports), ``roster.json`` (student -> language), the secrets, the exchange and
the student edition. Any bad setting (an unknown language, a missing student
edition, no instructor) raises here, and JupyterHub stops with exit code 1
and the message: a hub that starts must be one that works.

- Sign-in: PAMAuthenticator, the host's own password check (it works as root,
  which the hub is). Every person has a random password of their own, which
  ``tools/course hub`` set with chpasswd and wrote to ``secrets/passwords.csv``
  (root only). Only the hub's Unix group may sign in; the instructor is the admin.
  With ``lti13.json`` in the state folder, sign-in goes through the school's
  platform instead (ltiauthenticator's LTI13Authenticator), for roster members only.
- Servers: LocalProcessSpawner runs the venv's ``jupyterhub-singleuser`` as the
  person's Unix user, kernels on ZMQ's IPC transport (no TCP port race while a
  class starts its kernels; the socket files sit in the person's 0700 runtime
  folder), JupyterLab in the person's language (tools/course_hub/homes.py).
  Each server's port comes from just below the system's ephemeral range
  (tools/course_hub/ports.py), where no other program's bind to port 0 lands.
- Network: everything on 127.0.0.1: the proxy's public port, its API and the
  hub itself, on free ports ``tools/course hub start`` chose (CHP refuses port 0).
"""

import asyncio
import json
import os
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent


# tools/course_hub/__main__.py's loader imports that folder as ``socket_course_hub`` (the hub's cwd is not the
# repository, and sys.path stays as it is); runpy runs the file without its command line.
course_hub = runpy.run_path(str(REPO_ROOT / "tools" / "course_hub" / "__main__.py"))["load_package"]()
from socket_course_hub import homes, launch  # noqa: E402  (importable now that the package is loaded)
from socket_course_hub.spawner import CourseSpawner, server_ports  # noqa: E402
from socket_course_hub.state import HubError, HubState, course_language, open_course  # noqa: E402

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

state = HubState.at(os.environ.get("COURSE_HUB_STATE"))
settings = state.settings()
if not settings.get("instructor") or not settings.get("ports"):
    raise HubError(f"{state.settings_file} has no instructor or ports: start the hub with tools/course hub start")
GRADING_LANG = course_language(settings.get("lang", "en"))  # an unknown language stops the hub here
for student, language in state.roster().items():
    course_language(language)
if not (state.student_edition / "notebooks").is_dir():
    raise HubError(f"no student edition in {state.student_edition}: tools/course hub start builds it")
ports = settings["ports"]

#: Settings of ltiauthenticator's LTI13Authenticator that ``lti13.json`` may give (docs/hub.md).
LTI13_KEYS = {"issuer", "client_id", "authorize_url", "jwks_endpoint", "username_key", "uri_scheme", "tool_name", "tool_description"}
LTI13_REQUIRED = ("issuer", "client_id", "authorize_url", "jwks_endpoint")


def lti13_settings(hub_state: HubState) -> dict | None:
    """``<state>/lti13.json`` checked (None without it: the hub's own login form and PAM)."""
    path = hub_state.root / "lti13.json"
    if not path.is_file():
        return None
    values = json.loads(path.read_text(encoding="utf-8"))
    unknown = sorted(set(values) - LTI13_KEYS)
    missing = [key for key in LTI13_REQUIRED if not values.get(key)]
    if unknown or missing:
        raise HubError(f"{path}: " + "; ".join(filter(None, [
            unknown and f"unknown settings {', '.join(unknown)} (known: {', '.join(sorted(LTI13_KEYS))})",
            missing and f"missing {', '.join(missing)}"])))
    if isinstance(values["client_id"], str):
        values["client_id"] = [values["client_id"]]
    values["client_id"] = set(values["client_id"])
    return values


lti13 = lti13_settings(state)  # checked with the other settings, before the proxy or anything else is looked at

# ---- addresses: 127.0.0.1 only, ports chosen by tools/course hub start ------------------------------
c.JupyterHub.bind_url = f"http://127.0.0.1:{ports['public']}/"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{ports['hub']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{ports['proxy_api']}"
c.ConfigurableHTTPProxy.command = [str(launch.proxy_command())]
c.ConfigurableHTTPProxy.auth_token = state.secret("proxy-token")
c.JupyterHub.cookie_secret_file = str(state.secrets / "jupyterhub_cookie_secret")
c.JupyterHub.db_url = f"sqlite:///{state.secrets / 'jupyterhub.sqlite'}"
c.JupyterHub.pid_file = str(state.secrets / "jupyterhub-process.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops everyone's server: a trial leaves nothing running

# ---- who may sign in --------------------------------------------------------------------------------
c.Authenticator.admin_users = {settings["instructor"]}
if lti13 is None:
    c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
    c.PAMAuthenticator.allowed_groups = {settings["group"]}  # students added later sign in without a restart
    c.PAMAuthenticator.open_sessions = False  # no login session per server: nothing here needs pam_systemd
else:
    # Sign-in from the school's platform (docs/hub.md, "Log-in through LTI 1.3"). The platform names the
    # user (username_key); the hub serves only people on the roster, who have a Unix account of that name.
    c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
    for key, value in lti13.items():
        setattr(c.LTI13Authenticator, key, value)
    c.Authenticator.allowed_users = {*state.roster(), settings["instructor"]}
c.JupyterHub.admin_access = False  # the instructor sees students' work through nbgrader, not their servers

# The course's own service token (secrets/service-token): `tools/course hub status` reads who is on the
# hub with it. Read-only scopes: a leaked token shows names and servers, and can change nothing.
c.JupyterHub.services = [{"name": "course-status", "api_token": state.secret("service-token")}]
c.JupyterHub.load_roles = [
    {"name": "course-status", "scopes": ["list:users", "read:users", "read:servers"], "services": ["course-status"]},
]

# ---- the single-user servers ------------------------------------------------------------------------
# LocalProcessSpawner with ports from below the ephemeral range: no bind to port 0 takes one before its server binds it.
c.JupyterHub.spawner_class = CourseSpawner
server_ports()  # a port range that leaves no room for the servers' ports stops the hub here, not at a spawn
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.args = [
    *open_course.kernel_transport_options(),  # --KernelManager.transport=ipc
    "--ServerApp.ip=127.0.0.1",
]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 90  # two cores starting a class's servers at once
c.Spawner.http_timeout = 90


async def pre_spawn_hook(spawner):
    """Prepare the person's home (lessons, language, runtime folder) and point their server at it."""
    # In a thread: copying the lessons takes a second, and the hub's event loop serves everyone else meanwhile.
    plan = await asyncio.to_thread(homes.prepare_home, state, spawner.user.name)
    spawner.notebook_dir = str(plan.notebook_dir)
    spawner.default_url = plan.default_url
    spawner.environment = {**spawner.environment, **plan.environment}


c.Spawner.pre_spawn_hook = pre_spawn_hook
