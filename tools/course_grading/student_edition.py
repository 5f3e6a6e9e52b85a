"""The student edition: the course as students get it, with no solution and no hidden test in any file.

The instructor's repository holds ``solutions/`` (reference answers and
hidden tests), the grading plug-ins, the tests (which quote hidden tests)
and the translation catalogs of the solutions. Students must never get
those, so they get another repository, written by::

    tools/course student-edition ../sockets-students --git \\
        --repo-url https://github.com/ORG/sockets-students --hub https://hub.example.edu

It holds only what a student opens and runs: the lessons (``notebooks/``),
the exercises (``exercises/``, nbgrader's release), the ``helpers`` package
with its message catalogs (``locale/<lang>/helpers.po``), ``requirements.txt``,
``pyproject.toml`` (for ``pip install -e .``), ``binder/``, the launcher
(``tools/course open``, ``tools/open_course.py``), a README for students made
from the course README's student sections (with the Binder and nbgitpuller
links of the published repository), ``docs/browser.md``, and a LICENSE if
the course has one. Files are taken from what git tracks, so nothing
untracked (grading data, notes) can slip in.

Before anything is committed, every file is checked (fail closed): no
nbgrader solution or hidden-test marker, and no line of a reference
solution or hidden test that the lessons and exercises do not show anyway.
A leak stops the command, deletes what it wrote, and names file and line.

Typical use::

    tools/course student-edition /tmp/sockets-students            # a folder
    tools/course student-edition ../sockets-students --git        # a git repository, one commit per run
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = [
    "Links",
    "build",
    "find_leaks",
    "links_for",
    "main",
    "student_files",
    "student_readme",
    "student_launcher",
]

COURSE_ROOT = Path(__file__).resolve().parents[2]
#: Written into the edition: what it was made from (and the mark that a later run may replace it).
MANIFEST = ".student-edition.json"
#: Folders copied whole (their tracked files).
FOLDERS = ("notebooks", "exercises", "helpers", "binder")
#: Single files copied as they are.
FILES = ("requirements.txt", "pyproject.toml", "tools/open_course.py")
LICENSES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING")
#: The helpers' runtime catalogs (helpers.setup() translates its messages with them).
CATALOG = re.compile(r"^locale/[^/]+/helpers\.po$")
#: Commands of tools/course that students use; the others need instructor files.
STUDENT_COMMANDS = ("setup", "open")
#: nbgrader's markers: none may reach a student.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
START_LESSON = "00-start-here.ipynb"
STUDENT_GITIGNORE = """\
.venv/
__pycache__/
*.pyc
*.egg-info/
.ipynb_checkpoints/
"""


class EditionError(RuntimeError):
    """The edition cannot be written (a bad destination, a leak): nothing is published."""


# ---- which files ------------------------------------------------------------------------------------

def tracked_files(root: Path) -> list[str]:
    """Files git tracks in ``root`` (POSIX paths); without git, every file, less caches and checkpoints."""
    if (root / ".git").exists():
        done = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True, text=True, timeout=60, check=True)
        return sorted(path for path in done.stdout.split("\0") if path and (root / path).is_file())
    skipped = {".git", ".venv", "__pycache__", ".ipynb_checkpoints", "submitted", "autograded", "feedback", "release"}
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skipped and not d.endswith(".egg-info")]
        found += [Path(folder, name).relative_to(root).as_posix() for name in files]
    return sorted(found)


def student_files(root: Path) -> list[str]:
    """The files of ``root`` the student edition copies as they are (README and launcher are rewritten).

    Typical use::

        "solutions/en/a1-sockets/a1-sockets.ipynb" in student_files(Path("."))   # -> False
    """
    wanted = []
    for path in tracked_files(root):
        top = path.split("/", 1)[0]
        if top in FOLDERS or path in FILES or path in LICENSES or CATALOG.match(path):
            if "__pycache__" not in path and ".ipynb_checkpoints" not in path:
                wanted.append(path)
    return wanted


# ---- rewritten files --------------------------------------------------------------------------------

def student_launcher(script: str) -> str:
    """``tools/course`` with only the students' commands (``setup``, ``open``) and their help lines.

    The others (``test``, ``grade`` ...) need files the edition does not
    have. Each case branch of the script starts with ``  NAME)`` and ends with
    ``    ;;``; help lines read ``#   tools/course NAME ...``.
    """
    lines, keep, out = script.splitlines(keepends=True), True, []
    for line in lines:
        branch = re.match(r"^  ([a-z][a-z-]*)\)", line)
        if branch:
            keep = branch.group(1) in STUDENT_COMMANDS
        helpline = re.match(r"^#\s+tools/course ([a-z][a-z-]*)", line)
        if helpline and helpline.group(1) not in STUDENT_COMMANDS:
            continue
        if keep:
            out.append(line)
        if not keep and line.strip() == ";;":
            keep = True
    text = "".join(out)
    # The help branch prints the comment block at the top (sed -n '2,Np'): it is shorter now.
    header = 0
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header += 1
    return re.sub(r"sed -n '2,\d+p' \"\$0\"", f"sed -n '2,{header}p' \"$0\"", text)


def _sections(markdown: str) -> list[tuple[str, str]]:
    """(heading, text) of each level-2 section; the part before the first heading has heading ""."""
    parts, heading, current = [], "", []
    for line in markdown.splitlines(keepends=True):
        if line.startswith("## "):
            parts.append((heading, "".join(current)))
            heading, current = line[3:].strip(), [line]
        else:
            current.append(line)
    parts.append((heading, "".join(current)))
    return parts


_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")


def _drop_dead_links(text: str, exists) -> str:
    """Remove sentences that link to a file the edition does not have, and table rows naming such folders."""
    kept_lines = []
    for line in text.splitlines(keepends=True):
        row = re.match(r"^\|\s*`([^`/]+)/", line)
        if row and not exists(row.group(1)):
            continue
        kept_lines.append(line)
    paragraphs = re.split(r"(\n\s*\n)", "".join(kept_lines))

    def dead(target: str) -> bool:
        return not re.match(r"^[a-z]+:", target) and not target.startswith("#") and not exists(target.split("#")[0])

    cleaned = []
    for paragraph in paragraphs:
        if not any(dead(m.group(2)) for m in _LINK.finditer(paragraph)):
            cleaned.append(paragraph)
            continue
        sentences = re.split(r"(?<=[.!?])\s+", paragraph)
        cleaned.append(" ".join(s for s in sentences if not any(dead(m.group(2)) for m in _LINK.finditer(s))))
    return "".join(cleaned)


@dataclass(frozen=True)
class Links:
    """Where students open the published edition: Binder, and a JupyterHub through nbgitpuller."""

    repo_url: str
    branch: str
    binder: str
    nbgitpuller: str | None


def links_for(repo_url: str, branch: str = "main", hub: str | None = None, lang: str = "en") -> Links:
    """Binder and nbgitpuller links that open ``notebooks/<lang>/00-start-here.ipynb`` of the edition.

    nbgitpuller clones the repository into a folder named after it, so the
    hub link opens ``<repo name>/notebooks/...``.

    Typical use::

        links_for("https://github.com/ORG/sockets-students", hub="https://hub.example.edu").nbgitpuller
    """
    lesson = f"notebooks/{lang}/{START_LESSON}"
    parsed = urllib.parse.urlparse(repo_url)
    path = parsed.path.strip("/").removesuffix(".git")
    if parsed.netloc in ("github.com", "www.github.com") and path.count("/") == 1:
        binder = f"https://mybinder.org/v2/gh/{path}/{branch}?urlpath=lab/tree/{lesson}"
    else:
        binder = f"https://mybinder.org/v2/git/{urllib.parse.quote(repo_url, safe='')}/{branch}?urlpath=lab/tree/{lesson}"
    puller = None
    if hub:
        name = PurePosixPath(path).name
        query = urllib.parse.urlencode({"repo": repo_url, "branch": branch, "urlpath": f"lab/tree/{name}/{lesson}"})
        puller = f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"
    return Links(repo_url, branch, binder, puller)


STUDENT_SECTIONS = ("", "For students", "The helpers package in one minute")


def student_readme(readme: str, exists, links: Links | None) -> str:
    """The course README for students: its introduction and student sections, with this edition's links."""
    kept = [text for heading, text in _sections(readme) if heading in STUDENT_SECTIONS]
    text = _drop_dead_links("".join(kept), exists).rstrip() + "\n"
    if links is not None:
        text = text.replace("https://mybinder.org/v2/gh/OWNER/REPO/HEAD?urlpath=lab/tree/notebooks/en/00-start-here.ipynb", links.binder)
        online = ["", "## Open this course online", "", f"- On Binder, nothing to install: <{links.binder}>"]
        if links.nbgitpuller:
            online.append(f"- On your course's JupyterHub (it copies this repository into your home folder, and "
                          f"keeps your changes when it updates): <{links.nbgitpuller}>")
        online.append(f"- Or clone it: `git clone {links.repo_url}` and run `tools/course open`.")
        text += "\n".join(online) + "\n"
    return text


def student_browser_guide(guide: str) -> str:
    """docs/browser.md without its section for maintainers (the browser tests)."""
    return "".join(text for heading, text in _sections(guide) if heading != "Browser tests").rstrip() + "\n"


# ---- the leak check ---------------------------------------------------------------------------------

def _regions(source: str) -> tuple[list[str], list[str]]:
    """Stripped lines inside solution regions and inside hidden-test regions of a cell's source."""
    solution, hidden, inside = [], [], None
    for line in source.splitlines():
        if "BEGIN SOLUTION" in line:
            inside = solution
        elif "BEGIN HIDDEN TESTS" in line:
            inside = hidden
        elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
            inside = None
        elif inside is not None and line.strip():
            inside.append(line.strip())
    return solution, hidden


def _text_lines(path: Path) -> list[str] | None:
    """The lines of a text file; for a notebook, the lines of its cells' sources. None for binary files."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except ValueError:
            return text.splitlines()
        return [line for cell in cells for line in "".join(cell.get("source", "")).splitlines()] + text.splitlines()
    return text.splitlines()


def secret_lines(root: Path) -> set[str]:
    """Lines of reference solutions and hidden tests (every language) that the public material never shows.

    A line the lessons, the released exercises or the ``helpers`` package
    show anyway (``import socket``, ``helpers.setup()``, a loop the lessons
    teach) is no secret; short lines are skipped. So any file of the
    instructor's own (a solution, a test, a catalog of the solutions) that
    slipped into the edition is caught by its hidden tests at least.
    """
    secret, public = set(), set()
    for notebook in sorted(root.glob("solutions/*/*/*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8")).get("cells", []):
            solution, hidden = _regions("".join(cell.get("source", "")))
            secret.update(line for line in solution + hidden if len(line) >= 12)
    shown = sorted(root.glob("notebooks/*/*.ipynb")) + sorted(root.glob("exercises/*/*/*.ipynb")) + sorted(root.glob("helpers/*.py"))
    for path in shown:
        public.update(line.strip() for line in _text_lines(path) or [])
    return secret - public


def find_leaks(edition: Path, source_root: Path = COURSE_ROOT) -> list[str]:
    """Every ``file:line: reason`` where the edition shows a solution, a hidden test or an nbgrader marker.

    Typical use::

        assert not find_leaks(Path("/tmp/sockets-students"))
    """
    secrets = secret_lines(source_root)
    leaks = []
    for path in sorted(p for p in edition.rglob("*") if p.is_file() and ".git" not in p.relative_to(edition).parts):
        relative = path.relative_to(edition).as_posix()
        for number, line in enumerate(_text_lines(path) or [], start=1):
            marker = next((m for m in MARKERS if m in line), None)
            if marker:
                leaks.append(f"{relative}:{number}: nbgrader marker {marker!r}")
            elif line.strip() in secrets:
                leaks.append(f"{relative}:{number}: a line of a reference solution or hidden test: {line.strip()[:80]!r}")
    return leaks


# ---- writing it -------------------------------------------------------------------------------------

def _prepare(dest: Path, source_root: Path) -> None:
    """Make ``dest`` ready: new, empty, or an earlier edition (emptied but for .git). Anything else is refused."""
    dest_resolved = dest.resolve()
    if dest_resolved == source_root or source_root in dest_resolved.parents:
        raise EditionError(f"{dest} is inside the course repository; write the student edition somewhere else.")
    if not dest.exists():
        dest.mkdir(parents=True)
        return
    if not dest.is_dir():
        raise EditionError(f"{dest} exists and is not a folder.")
    content = [p for p in dest.iterdir() if p.name != ".git"]
    if content and not (dest / MANIFEST).is_file():
        raise EditionError(f"{dest} is not empty and holds no earlier student edition ({MANIFEST}); choose an empty folder.")
    for path in content:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _source_commit(root: Path) -> str | None:
    if not (root / ".git").exists():
        return None
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip() or None


def build(dest: Path, source_root: Path = COURSE_ROOT, links: Links | None = None) -> list[str]:
    """Write the student edition of ``source_root`` into ``dest``; return the files written (POSIX paths).

    Raises ``EditionError`` (and leaves ``dest`` without the edition) if the
    destination is unsafe or a file would leak a solution or hidden test.

    Typical use::

        build(Path("/tmp/sockets-students"))
    """
    source_root = source_root.resolve()
    _prepare(dest, source_root)
    written = []
    for relative in student_files(source_root):
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source_root / relative, target)
        written.append(relative)

    def write(relative: str, text: str, mode: int | None = None) -> None:
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        if mode is not None:
            target.chmod(mode)
        written.append(relative)

    write("tools/course", student_launcher((source_root / "tools" / "course").read_text(encoding="utf-8")), 0o755)
    exists = lambda relative: (dest / relative).exists()  # noqa: E731
    write("docs/browser.md", student_browser_guide((source_root / "docs" / "browser.md").read_text(encoding="utf-8")))
    write("README.md", student_readme((source_root / "README.md").read_text(encoding="utf-8"), exists, links))
    write(".gitignore", STUDENT_GITIGNORE)
    manifest = {
        "made_from_commit": _source_commit(source_root),
        "repository": links.repo_url if links else None,
        "files": sorted(written),
    }
    write(MANIFEST, json.dumps(manifest, indent=1) + "\n")
    leaks = find_leaks(dest, source_root)
    if leaks:
        _prepare(dest, source_root)  # an edition that leaks is never left behind to publish
        raise EditionError("the student edition would show solutions or hidden tests:\n  " + "\n  ".join(leaks[:20]))
    return sorted(written)


def commit(dest: Path, message: str) -> bool:
    """``git init`` (once) and commit everything in ``dest``; False when nothing changed since the last run."""
    def git(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(dest), *args], capture_output=True, text=True, timeout=120, check=check)

    if not (dest / ".git").exists():
        git("init", "--quiet", "--initial-branch=main")
    git("add", "--all")
    if not git("status", "--porcelain").stdout.strip():
        return False
    identity = []
    if not git("config", "user.email", check=False).stdout.strip():
        identity = ["-c", "user.name=Course instructor", "-c", "user.email=instructor@localhost"]
    subprocess.run(["git", "-C", str(dest), *identity, "commit", "--quiet", "-m", message], check=True, capture_output=True, text=True, timeout=120)
    return True


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tools/course student-edition",
        description="Write the course as students get it (lessons, exercises, helpers; no solutions, no hidden tests).",
    )
    parser.add_argument("dest", type=Path, help="an empty folder, or an earlier student edition to update")
    parser.add_argument("--git", action="store_true", help="make DEST a git repository and commit this edition")
    parser.add_argument("--repo-url", help="where you publish it (e.g. https://github.com/ORG/sockets-students): the README's links point there")
    parser.add_argument("--branch", default="main", help="the published branch (default: main)")
    parser.add_argument("--hub", help="your JupyterHub's address, for an nbgitpuller link in the README")
    parser.add_argument("--lang", default="en", help="the lessons' language the links open (default: en)")
    args = parser.parse_args(argv)
    if args.hub and not args.repo_url:
        parser.error("--hub needs --repo-url (nbgitpuller must know which repository to pull)")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    links = links_for(args.repo_url, args.branch, args.hub, args.lang) if args.repo_url else None
    try:
        written = build(args.dest, COURSE_ROOT, links)
    except EditionError as error:
        print(f"[course] No student edition written: {error}", file=sys.stderr)
        return 2
    print(f"[course] Student edition: {len(written)} files in {args.dest} (no solutions, no hidden tests).", file=sys.stderr)
    if args.git:
        commit_id = _source_commit(COURSE_ROOT)
        changed = commit(args.dest, f"Student edition of the socket-programming course (from {commit_id[:12] if commit_id else 'a working copy'})")
        print(f"[course] {'Committed' if changed else 'Nothing changed since the last commit'} in {args.dest}; "
              f"push it to {args.repo_url or 'the students repository'}.", file=sys.stderr)
    if links:
        print(f"[course] Binder: {links.binder}", file=sys.stderr)
        if links.nbgitpuller:
            print(f"[course] JupyterHub (nbgitpuller): {links.nbgitpuller}", file=sys.stderr)
    return 0
