"""nbgrader_config.py: the course language chosen in one place, the course's plug-ins in nbgrader's pipelines."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from grading_course import REPO
from traitlets.config.loader import PyFileConfigLoader


def load_config(monkeypatch, lang: str | None):
    if lang is None:
        monkeypatch.delenv("COURSE_LANG", raising=False)
    else:
        monkeypatch.setenv("COURSE_LANG", lang)
    return PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()


def test_default_language_is_english_and_not_exported(monkeypatch):
    """Without COURSE_LANG the course is English, and loading the config leaves the environment alone."""
    config = load_config(monkeypatch, None)
    assert config.CourseDirectory.source_directory == "solutions/en"
    assert config.CourseDirectory.release_directory == "exercises/en"
    assert config.ClearSolutions.code_stub == {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    # JupyterLab reads this file too: an exported COURSE_LANG would override every lesson's language.
    assert "COURSE_LANG" not in os.environ


@pytest.mark.parametrize("lang", ["es", "zh-TW"])
def test_course_language_selects_folders_stubs_and_kernel(monkeypatch, lang):
    """COURSE_LANG picks the solutions and exercises folders, the translated stub, and the grading kernel's language."""
    config = load_config(monkeypatch, lang)
    grading = __import__("socket_course_grading")
    stub = grading.translated(lang, "# YOUR CODE HERE")
    assert stub != "# YOUR CODE HERE", f"locale/{lang}/helpers.po does not translate the stub"
    assert config.CourseDirectory.source_directory == f"solutions/{lang}"
    assert config.CourseDirectory.release_directory == f"exercises/{lang}"
    assert config.ClearSolutions.code_stub["python"] == stub + "\nraise NotImplementedError()"
    assert config.RecoveringExecute.course_language == lang
    assert config.StripHiddenTestOutput.course_language == lang


def test_course_plugins_are_in_the_pipelines(monkeypatch):
    """Autograde runs RecoveringExecute and LimitOutputSize; feedback strips hidden output and hidden tests."""
    config = load_config(monkeypatch, "en")
    autograde = [step.__name__ for step in config.Autograde.autograde_preprocessors]
    feedback = [step.__name__ for step in config.GenerateFeedback.preprocessors]
    assert "RecoveringExecute" in autograde and "Execute" not in autograde
    assert autograde.index("LimitOutputSize") < autograde.index("SaveAutoGrades")
    assert feedback.index("StripHiddenTestOutput") < feedback.index("ClearHiddenTests")
    assert config.Execute.raise_on_iopub_timeout is False and config.Execute.interrupt_on_timeout is True
    assert config.Execute.iopub_timeout >= 10  # nbclient's 4 s lost a 50 MB print's output on a busy host
    assert config.OverwriteCells.add_missing_cells is True


def test_sandbox_and_tamper_reports_are_wired(monkeypatch):
    """Autograde checks the sandbox first, names reached limits after execution, and reports tampered cells while sanitizing."""
    config = load_config(monkeypatch, "es")
    autograde = [step.__name__ for step in config.Autograde.autograde_preprocessors]
    sanitize = [step.__name__ for step in config.Autograde.sanitize_preprocessors]
    assert config.Sandbox.enabled is True and config.Autograde.exporter_class.__name__ == "SandboxCheck"
    assert autograde.index("ExplainResourceLimits") == autograde.index("RecoveringExecute") + 1
    assert "ReportingOverwriteCells" in sanitize and "OverwriteCells" not in sanitize
    assert config.ExplainResourceLimits.course_language == "es"


@pytest.mark.parametrize("command", [["grade", "--all"], ["export-grades", "--format", "canvas"]])
def test_instructor_commands_outside_a_course_stop_with_exit_2(tmp_path, command):
    """`grade` and `export-grades` on a folder without nbgrader_config.py exit 2 and name the folder."""
    done = subprocess.run(
        [sys.executable, str(REPO / "tools" / "course_grading"), *command, "--course", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert f"{tmp_path} has no nbgrader_config.py" in done.stderr
    assert not list(tmp_path.iterdir())  # nothing written
