"""Binder (repo2docker) builds the same course a student installs.

repo2docker reads only ``binder/`` when that folder exists (so it ignores the
root pyproject.toml, whose buildpack would install the helpers alone), installs
``binder/requirements.txt`` from the repository root, and takes the Python
version from ``binder/runtime.txt``.
"""

from __future__ import annotations

import re
import tomllib

from packaging.specifiers import SpecifierSet

from labpaths import ROOT

BINDER = ROOT / "binder"


def requirement_lines(path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def test_binder_installs_exactly_the_student_requirements():
    """binder/requirements.txt only includes the top-level requirements.txt (with its -e .)."""
    assert requirement_lines(BINDER / "requirements.txt") == ["-r ../requirements.txt"]
    assert "-e ." in requirement_lines(ROOT / "requirements.txt")


def test_binder_python_satisfies_the_package():
    """binder/runtime.txt names a Python version that pyproject.toml's requires-python accepts."""
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, f"runtime.txt should read python-X.Y, not {runtime!r}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert match.group(1) + ".0" in SpecifierSet(requires)


def test_requirements_hold_the_browser_side_of_the_course():
    """JupyterLab 4, nbgrader, widgets, the proxy and a language pack per course language are installed."""
    names = {re.split(r"[<>=!~ \[]", line, maxsplit=1)[0].lower() for line in requirement_lines(ROOT / "requirements.txt")}
    expected = {"jupyterlab", "nbgrader", "ipywidgets", "jupyter-server-proxy"} | {
        f"jupyterlab-language-pack-{tag}" for tag in ("es-es", "fr-fr", "id-id", "zh-tw")
    }
    assert expected <= names, sorted(expected - names)


def test_postbuild_installs_the_course_settings(tmp_path):
    """binder/postBuild puts binder/overrides.json where JupyterLab reads overrides (here a temporary folder)."""
    import os
    import subprocess

    target = tmp_path / "settings"
    result = subprocess.run(
        ["bash", str(BINDER / "postBuild")], env={**os.environ, "JUPYTERLAB_OVERRIDES_DIR": str(target)},
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert (target / "overrides.json").read_text(encoding="utf-8") == (BINDER / "overrides.json").read_text(encoding="utf-8")


def test_course_settings_turn_off_the_news_popup():
    """The overrides set fetchNews to "false" (Never), a value the installed JupyterLab's schema accepts."""
    import json
    import sys
    from pathlib import Path

    overrides = json.loads((BINDER / "overrides.json").read_text(encoding="utf-8"))
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    schema_path = Path(sys.prefix, "share", "jupyter", "lab", "schemas", "@jupyterlab", "apputils-extension", "notification.json")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    allowed = {choice["const"] for choice in schema["properties"]["fetchNews"]["oneOf"]}
    for plugin_id, values in overrides.items():
        package, plugin = plugin_id.split(":")
        properties = json.loads(Path(sys.prefix, "share", "jupyter", "lab", "schemas", package, f"{plugin}.json").read_text(encoding="utf-8"))["properties"]
        assert set(values) <= set(properties), f"{plugin_id}: unknown settings {set(values) - set(properties)}"
    assert "false" in allowed
