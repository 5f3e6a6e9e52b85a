"""Regenerate the student exercises of one language from the solutions, with nbgrader.

``exercises/<lang>/`` is what students open; it is generated, never edited by
hand: ``nbgrader generate_assignment`` removes solutions and hidden tests from
``solutions/<lang>/``, locks the test cells and writes the stubs in the course
language (``nbgrader_config.py`` reads ``COURSE_LANG``). The gradebook used
for this build is a throw-away one, so an instructor's ``gradebook.db`` is
never touched.

Typical use (from the repository root)::

    .venv/bin/python tools/release_exercises.py                 # English
    .venv/bin/python tools/release_exercises.py --lang es       # Spanish
    .venv/bin/python tools/release_exercises.py --lang fr a2-tcp-client
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def nbgrader_environment(lang: str) -> dict[str, str]:
    """Environment for an nbgrader command: the course language, and the venv's tools on PATH.

    nbgrader calls ``alembic`` (its database migrations) by name, so the
    virtual environment's ``bin`` folder must be on ``PATH``.

    Typical use::

        subprocess.run(["nbgrader", "autograde", "*"], env=nbgrader_environment("en"))
    """
    env = dict(os.environ)
    env["COURSE_LANG"] = lang
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def assignments_in(folder: Path) -> list[str]:
    """Names of the assignments (sub-folders holding a notebook) in ``folder``.

    Typical use::

        assignments_in(Path("solutions/en"))   # -> ["a1-sockets", ...]
    """
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def release(lang: str = "en", names: list[str] | None = None, root: Path = REPO_ROOT) -> list[str]:
    """Write ``exercises/<lang>/<name>/`` for each assignment (all of them by default).

    Returns the names released. Raises ``RuntimeError`` with nbgrader's log if
    nbgrader reports any error (it does not always exit with a failure code).

    Typical use::

        release("es")
    """
    root = Path(root).resolve()
    sources = root / "solutions" / lang
    available = assignments_in(sources)
    if not available:
        raise FileNotFoundError(f"no assignments in {sources}")
    wanted = names or available
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        raise ValueError(f"not in {sources}: {', '.join(unknown)}")
    exercises = root / "exercises" / lang
    if not names:  # a full release drops exercises whose solution is gone
        for stale in set(assignments_in(exercises)) - set(available):
            shutil.rmtree(exercises / stale)
    with tempfile.TemporaryDirectory(prefix="release-gradebook-") as scratch:
        database = f"sqlite:///{Path(scratch) / 'gradebook.db'}"
        for name in ["*"] if not names else wanted:
            command = [
                str(Path(sys.executable).parent / "nbgrader"), "generate_assignment", name, "--force",
                f"--CourseDirectory.db_url={database}",
            ]
            done = subprocess.run(
                command, cwd=root, env=nbgrader_environment(lang), capture_output=True, text=True, timeout=600
            )
            log = done.stdout + done.stderr
            if done.returncode != 0 or "| ERROR]" in log:
                raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{log}")
    return list(wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="assignments to release (default: all)")
    parser.add_argument("--lang", default="en", help="course language: en, es, fr, id or zh-TW (default: en)")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="course root (default: this repository)")
    args = parser.parse_args(argv)
    released = release(args.lang, args.names or None, args.root)
    print(f"exercises/{args.lang}: released {', '.join(released)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
