"""``tools/course student-edition``: what students get opens, validates, and holds no solution or hidden test.

The edition is written once, as a git repository, into a temporary folder by
the real command; the tests then look at every file of it, run the
edition's own ``tools/course open`` and ``nbgrader validate`` there (with the
edition's ``helpers`` first on the path), and check its links.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from grading_course import ASSIGNMENTS, LANG, REPO, hidden_lines, release_tool
from grading_submissions import reference

sys.path.insert(0, str(REPO / "tests" / "browser"))
from labserver import LabServer  # noqa: E402 - the browser tests' JupyterLab runner

pytestmark = pytest.mark.timeout(600)

REPO_URL = "https://github.com/example-org/sockets-students"
HUB = "https://hub.example.edu"
COMMAND = [sys.executable, str(REPO / "tools" / "course_grading"), "student-edition"]


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """The student edition of this repository, as a git repository with links to its published place."""
    dest = tmp_path_factory.mktemp("edition") / "sockets-students"
    done = run(str(dest), "--git", "--repo-url", REPO_URL, "--hub", HUB)
    assert done.returncode == 0, done.stderr
    return dest


def edition_files(edition: Path) -> list[str]:
    return sorted(p.relative_to(edition).as_posix() for p in edition.rglob("*") if p.is_file() and ".git" not in p.relative_to(edition).parts)


def searchable_lines(path: Path) -> list[str]:
    """Stripped lines of a file (for a notebook: of every cell source too); [] for binary files."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    lines = text.splitlines()
    if path.suffix == ".ipynb":
        lines += [line for cell in nbformat.reads(text, as_version=4).cells for line in cell.source.splitlines()]
    return [line.strip() for line in lines]


def solution_region_lines(assignment: str) -> list[str]:
    """The stripped lines between BEGIN SOLUTION and END SOLUTION of an assignment's notebook."""
    notebook = nbformat.read(REPO / "solutions" / LANG / assignment / f"{assignment}.ipynb", as_version=4)
    found, inside = [], False
    for cell in notebook.cells:
        for line in cell.source.splitlines():
            if "BEGIN SOLUTION" in line:
                inside = True
            elif "END SOLUTION" in line:
                inside = False
            elif inside and line.strip():
                found.append(line.strip())
    return found


def test_edition_holds_what_students_need_and_nothing_of_the_instructors(edition):
    """Lessons, exercises, helpers, catalogs, launcher, Binder; no solutions/, tests, grading tools or config."""
    files = edition_files(edition)
    tops = {path.split("/", 1)[0] for path in files}
    assert tops == {".gitignore", ".student-edition.json", "README.md", "binder", "docs", "exercises", "helpers",
                    "locale", "notebooks", "pyproject.toml", "requirements.txt", "tools"}
    assert {p for p in files if p.startswith("tools/")} == {"tools/course", "tools/open_course.py"}
    assert {p for p in files if p.startswith("locale/")} == {p.relative_to(REPO).as_posix() for p in REPO.glob("locale/*/helpers.po")}
    assert files.count("docs/browser.md") == 1 and not [p for p in files if p.startswith("docs/") and p != "docs/browser.md"]
    for folder in ("notebooks", "exercises", "helpers", "binder"):
        ours = {p for p in files if p.startswith(folder + "/")}
        theirs = {p.relative_to(REPO).as_posix() for p in (REPO / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
        assert ours == theirs, folder


def test_no_file_shows_a_hidden_test_or_a_reference_solution(edition):
    """No nbgrader marker, no hidden-test line and no reference-solution line (not taught elsewhere) in any file."""
    taught = set()  # lines students see anyway: lessons, released exercises, the helpers' code
    for path in [*REPO.glob("notebooks/*/*.ipynb"), *REPO.glob("exercises/*/*/*.ipynb"), *REPO.glob("helpers/*.py")]:
        taught.update(searchable_lines(path))
    secrets = {}
    for assignment in ASSIGNMENTS:
        for line in hidden_lines(assignment) + solution_region_lines(assignment):
            if len(line) >= 12 and line not in taught:
                secrets[line] = assignment
    assert len(secrets) > 50, "the comparison must cover the solutions"  # a check against nothing proves nothing
    for relative in edition_files(edition):
        for line in searchable_lines(edition / relative):
            assert not re.search(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS)", line), f"{relative}: {line}"
            assert line not in secrets, f"{relative} shows {secrets[line]}'s solution or hidden test: {line}"


def test_edition_is_one_clean_commit_of_every_file(edition):
    """--git: the folder is a repository whose one commit holds every file, nothing left uncommitted."""
    git = lambda *args: subprocess.run(["git", "-C", str(edition), *args], capture_output=True, text=True, check=True).stdout  # noqa: E731
    assert git("status", "--porcelain") == ""
    assert len(git("log", "--oneline").splitlines()) == 1
    assert sorted(git("ls-files").splitlines()) == edition_files(edition)
    assert "100755" in git("ls-files", "-s", "tools/course")
    manifest = json.loads((edition / ".student-edition.json").read_text())
    assert manifest["repository"] == REPO_URL and manifest["files"] == [f for f in edition_files(edition) if f != ".student-edition.json"]


def test_rebuilding_updates_the_edition_and_foreign_folders_are_refused(edition, tmp_path):
    """A second run over the edition changes nothing; a folder that is not an edition is left untouched."""
    again = run(str(edition), "--git", "--repo-url", REPO_URL, "--hub", HUB)
    assert again.returncode == 0, again.stderr
    assert "Nothing changed since the last commit" in again.stderr
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "exam.txt").write_text("answers")
    refused = run(str(foreign))
    assert refused.returncode == 2 and "holds no earlier student edition" in refused.stderr
    assert [p.name for p in foreign.iterdir()] == ["exam.txt"]
    inside = run(str(REPO / "student-edition-here"))
    assert inside.returncode == 2 and "inside the course repository" in inside.stderr
    assert not (REPO / "student-edition-here").exists()


def test_readme_links_open_the_published_edition(edition):
    """The README's Binder and nbgitpuller links open the edition's Start-here lesson; its file links resolve."""
    readme = (edition / "README.md").read_text(encoding="utf-8")
    binder = f"https://mybinder.org/v2/gh/example-org/sockets-students/main?urlpath=lab/tree/notebooks/{LANG}/00-start-here.ipynb"
    assert binder in readme and "OWNER/REPO" not in readme
    puller = re.search(r"<(https://hub\.example\.edu/hub/user-redirect/git-pull\?[^>]+)>", readme).group(1)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(puller).query)
    assert query["repo"] == [REPO_URL] and query["branch"] == ["main"]
    folder, lesson = query["urlpath"][0].removeprefix("lab/tree/").split("/", 1)
    assert folder == "sockets-students" and (edition / lesson).is_file()  # nbgitpuller clones into <repo name>/
    for document in ("README.md", "docs/browser.md"):
        text = (edition / document).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s#]+)", text):
            if not re.match(r"^[a-z]+:", target):
                assert (edition / Path(document).parent / target).exists(), f"{document} links to missing {target}"
        assert "solutions/" not in text and "Browser tests" not in text


def test_launcher_keeps_only_the_students_commands(edition):
    """The edition's tools/course offers open and setup; instructor commands are gone from it and its help."""
    script = (edition / "tools" / "course").read_text()
    assert re.findall(r"^  ([a-z-]+)\)", script, flags=re.M) == ["setup", "open"]
    shown = subprocess.run(["bash", str(edition / "tools" / "course"), "help"], capture_output=True, text=True, timeout=30).stdout
    assert "tools/course open" in shown and "tools/course setup" in shown
    assert "test" not in shown.replace("--test", "") and "grade" not in shown and "set -euo" not in shown


def _venv_for(edition: Path, base: Path) -> Path:
    """A stand-in for the edition's .venv: this test's Python, marked as installed for the edition's requirements."""
    venv = base / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    # tools/course reinstalls when the digest of requirements*.txt + pyproject.toml changed: it did not.
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in [*sorted(edition.glob("requirements*.txt")), edition / "pyproject.toml"]))
    (venv / ".installed-requirements.txt").write_text(digest.hexdigest() + "\n")
    return venv


class EditionLauncher(LabServer):
    """The edition's own ``tools/course open --no-browser``, as a student runs it."""

    def __init__(self, root: Path, state: Path, venv: Path):
        super().__init__(root, state)
        self.venv = venv

    def environment(self) -> dict:
        env = super().environment()
        del env["JUPYTER_TOKEN"]  # the launcher relies on JupyterLab's random token
        env["COURSE_VENV"] = str(self.venv)
        (self.state / "home").mkdir(exist_ok=True)
        env["HOME"] = str(self.state / "home")
        return env

    def command(self) -> list[str]:
        return ["bash", str(self.root / "tools" / "course"), "open", "--no-browser",
                "--settings-dir", str(self.state / "course-settings"), "--", "--ServerApp.log_level=DEBUG"]

    def start(self, timeout: float = 120.0):
        super().start(timeout)
        self.token = urllib.parse.parse_qs(urllib.parse.urlparse(self.announced_url).query)["token"][0]
        return self


def test_tools_course_open_serves_the_edition(edition, tmp_path):
    """tools/course open --no-browser in the edition starts JupyterLab on the edition's Start-here lesson."""
    launcher = EditionLauncher(edition, tmp_path / "state", _venv_for(edition, tmp_path))
    launcher.start()
    try:
        assert launcher.announced_url.startswith(f"http://127.0.0.1:{launcher.port}/lab/tree/notebooks/en/00-start-here.ipynb?token=")
        assert Path(launcher.server_info()["root_dir"]).resolve() == edition.resolve()
        lesson = launcher.api("GET", "api/contents/notebooks/en/00-start-here.ipynb?content=0")
        assert lesson["type"] == "notebook"
        listing = {item["name"] for item in launcher.api("GET", "api/contents/")["content"]}
        assert "solutions" not in listing and "exercises" in listing
    finally:
        launcher.stop()
    assert "Exception while loading config file" not in launcher.log_path.read_text()


def test_exercises_validate_in_the_edition(edition, tmp_path):
    """nbgrader validate, run in the edition with its own helpers: answered exercises pass, an untouched one fails."""
    answered = []
    for assignment in ASSIGNMENTS:
        notebook = reference(assignment).build(nbformat.read(edition / "exercises" / LANG / assignment / f"{assignment}.ipynb", as_version=4))
        path = tmp_path / assignment / f"{assignment}.ipynb"  # a student's copy, beside the edition
        path.parent.mkdir()
        nbformat.write(notebook, str(path))
        answered.append(str(path))
    untouched = str(edition / "exercises" / LANG / "a1-sockets" / "a1-sockets.ipynb")
    env = {**release_tool.nbgrader_environment(LANG), "PYTHONPATH": str(edition)}  # the edition's helpers and catalogs
    env.pop("COURSE_LANG")
    done = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "validate", *answered, untouched],
                          cwd=edition, env=env, capture_output=True, text=True, timeout=400)
    log = done.stdout + done.stderr
    assert log.count("Success! Your notebook passes all the tests.") == len(ASSIGNMENTS), log[-4000:]
    assert log.count("VALIDATION FAILED") == 1 and "NotImplementedError" in log


def test_leak_check_names_a_planted_hidden_test(edition, tmp_path):
    """The command's own check finds a hidden-test line or a marker slipped into any file, by file and line."""
    spec = importlib.util.spec_from_file_location("bootstrap_for_leaks", REPO / "tools" / "course_grading" / "__main__.py")
    bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bootstrap)
    bootstrap.load_package()
    student_edition = importlib.import_module(f"{bootstrap.PACKAGE_NAME}.student_edition")
    assert student_edition.find_leaks(edition, REPO) == []
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(edition), str(copy)], check=True)
    secret = next(line for line in hidden_lines("a2-tcp-client") if "hidden_greeting" in line)
    (copy / "helpers" / "notes.py").write_text(f"# a leftover\n{secret}\n")
    (copy / "notebooks" / "en" / "scratch.md").write_text("### BEGIN HIDDEN TESTS\n")
    leaks = student_edition.find_leaks(copy, REPO)
    assert any(leak.startswith("helpers/notes.py:2:") for leak in leaks), leaks
    assert any(leak.startswith("notebooks/en/scratch.md:1: nbgrader marker") for leak in leaks), leaks
