"""A fake LTI 1.3 platform (a stand-in for Canvas or Moodle) that launches the trial hub as a real one would.

``FakePlatform`` serves, with the course's ``helpers.http_server`` on
127.0.0.1, the JSON Web Key Set of an RSA key made at start: the only
thing the hub fetches from a platform. The rest of a launch is the browser's
part, which ``launch`` plays with a ``requests.Session``, in the order of LTI
1.3's OpenID Connect flow (ltiauthenticator's ``LTI13LoginInitHandler`` and
``LTI13CallbackHandler``):

1. the platform's page sends the browser to the hub's login initiation URL
   (``hub/lti13/oauth_login``) with ``iss``, ``login_hint``, ``target_link_uri``,
   ``client_id`` and ``lti_deployment_id``;
2. the hub sets its state and nonce cookies and redirects the browser to the
   platform's ``authorize_url`` with ``state``, ``nonce`` and ``redirect_uri``;
3. the platform (here: ``launch`` itself, which checks that authorization
   request) answers with a form that posts a signed ``id_token`` and the same
   ``state`` to ``redirect_uri`` (``hub/lti13/oauth_callback``);
4. the hub fetches the JWKS, checks the token's signature and claims and the
   nonce against its cookie, and signs the user in (a redirect and the
   ``jupyterhub-hub-login`` cookie) or refuses (an HTTP error).

The platform needs no HTTPS: ltiauthenticator 1.6.3 fetches ``jwks_endpoint``
with PyJWT's ``PyJWKClient``, which takes ``http`` as well as ``https``, and it
compares ``iss`` as a plain string.

Typical use::

    with FakePlatform() as platform:
        (state_folder / "lti13.json").write_text(json.dumps(platform.lti13_settings()))
        ...  # start the hub
        answer = platform.launch(requests.Session(), hub_url, "alice")
        assert answer.status_code == 302  # signed in as alice
        platform.launch(requests.Session(), hub_url, "alice", claims={"nonce": "0" * 64})  # refused: 400
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

import helpers

#: Seconds for one HTTP request to the hub.
HTTP_TIMEOUT = 30
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
#: The platform's key set, as a file its web server serves.
JWKS_FILE = "jwks.json"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


class PlatformError(AssertionError):
    """The hub answered a step of the launch in a way no platform would accept (a wrong redirect, say)."""


def new_key() -> rsa.RSAPrivateKey:
    """A fresh RSA key for RS256 (what ltiauthenticator accepts by default)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakePlatform:
    """A platform's JWKS endpoint on 127.0.0.1 plus the browser's part of a launch (see the module docstring)."""

    def __init__(self, client_id: str = "sockets-hub-client", deployment_id: str = "1"):
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.key = new_key()
        self.kid = secrets.token_hex(8)
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        self._folder = tempfile.TemporaryDirectory(prefix="fake-lti-platform-")
        (Path(self._folder.name) / JWKS_FILE).write_text(
            json.dumps({"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}), encoding="utf-8")
        # The course's own file server: it binds and listens before its thread starts, and logs each request.
        self._server = helpers.http_server(self._folder.name)
        self.url = self._server.url.rstrip("/")

    @property
    def jwks_requests(self) -> int:
        """How many times someone fetched the JWKS (the hub does at each launch it verifies)."""
        return sum(f"GET /{JWKS_FILE}" in line for line in self._server.log)

    # ---- what the administrator gives the instructor ---------------------------------------------------
    @property
    def issuer(self) -> str:
        return self.url

    @property
    def authorize_url(self) -> str:
        return self.url + "/authorize"  # never fetched: launch() plays the platform's answer

    @property
    def jwks_endpoint(self) -> str:
        return f"{self.url}/{JWKS_FILE}"

    def lti13_settings(self, username_key: str = "custom_username", **extra: Any) -> dict:
        """The content of the hub's ``lti13.json`` for this platform."""
        return {"issuer": self.issuer, "client_id": self.client_id, "authorize_url": self.authorize_url,
                "jwks_endpoint": self.jwks_endpoint, "username_key": username_key, **extra}

    # ---- the id_token ----------------------------------------------------------------------------------
    def claims(self, username: str, nonce: str, target_link_uri: str, *, sub: str | None = None,
               roles: tuple[str, ...] = (LEARNER,)) -> dict:
        """The claims of a resource-link launch; the user name is the custom parameter ``username``."""
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub or f"platform-user-{secrets.token_hex(4)}",  # an opaque id, never a roster name
            "nonce": nonce,
            "iat": now,
            "exp": now + 300,
            LTI + "deployment_id": self.deployment_id,
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "roles": list(roles),
            LTI + "target_link_uri": target_link_uri,
            LTI + "resource_link": {"id": "sockets-lesson-01", "title": "Socket programming"},
            LTI + "context": {"id": "course-42", "label": "NET101", "title": "Networks 101"},
            LTI + "custom": {"username": username},
        }

    def sign(self, claims: dict, key: rsa.RSAPrivateKey | None = None) -> str:
        """The claims as an RS256 JWT with this platform's ``kid`` (signed with ``key``, by default the platform's)."""
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    # ---- a launch, as the browser and the platform play it --------------------------------------------
    def initiate_login(self, http: requests.Session, hub_url: str, login_hint: str) -> dict[str, str]:
        """Steps 1-2: the login initiation; returns the hub's authorization request (its query) once checked."""
        answer = http.post(hub_url + "hub/lti13/oauth_login", allow_redirects=False, timeout=HTTP_TIMEOUT, data={
            "iss": self.issuer, "login_hint": login_hint, "target_link_uri": hub_url,
            "client_id": self.client_id, "lti_deployment_id": self.deployment_id,
        })
        location = answer.headers.get("Location", "")
        if answer.status_code != 302 or not location.startswith(self.authorize_url + "?"):
            raise PlatformError(f"login initiation: {answer.status_code} to {location!r}, not to "
                                f"{self.authorize_url}: {answer.text[:2000]}")
        request = {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}
        expected = {"response_type": "id_token", "response_mode": "form_post", "scope": "openid", "prompt": "none",
                    "client_id": self.client_id, "login_hint": login_hint,
                    "redirect_uri": hub_url + "hub/lti13/oauth_callback"}
        wrong = {name: request.get(name) for name, value in expected.items() if request.get(name) != value}
        if wrong or not request.get("state") or not request.get("nonce"):
            raise PlatformError(f"the hub's authorization request has {wrong or 'no state or nonce'}: {location}")
        return request

    def launch(self, http: requests.Session, hub_url: str, username: str, *, claims: dict | None = None,
               key: rsa.RSAPrivateKey | None = None) -> requests.Response:
        """A whole launch of ``username``; returns the hub's answer to the id_token's POST (redirects not followed).

        ``claims`` replaces claims of the token (``{"nonce": ...}``, ``{"exp": ...}``), ``key`` signs it
        instead of the platform's key: the ways a forged or replayed launch differs from a real one.
        """
        request = self.initiate_login(http, hub_url, login_hint=username)
        token = self.sign({**self.claims(username, request["nonce"], hub_url), **(claims or {})}, key)
        # Step 3: what the platform's auto-submitting form posts (response_mode=form_post).
        return http.post(request["redirect_uri"], data={"id_token": token, "state": request["state"]},
                         allow_redirects=False, timeout=HTTP_TIMEOUT)

    # ---- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        self._server.stop()
        self._folder.cleanup()

    def __enter__(self) -> "FakePlatform":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
