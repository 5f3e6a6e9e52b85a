"""Regenerate ``exercises/<lang>/`` from ``solutions/<lang>/`` with the course's release tool.

``tools/release_exercises.py`` runs ``nbgrader generate_assignment`` with
``COURSE_LANG=<lang>`` and a throw-away gradebook; ``nbgrader_config.py`` then
picks ``solutions/<lang>`` as the source, ``exercises/<lang>`` as the release,
and the "# YOUR CODE HERE" / "YOUR ANSWER HERE" stubs from the language's
helpers catalog.

Typical use::

    release.release("es")   # -> [Path('exercises/es/a1-sockets/a1-sockets.ipynb'), ...]
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from . import layout

__all__ = ["assignments", "release", "release_tool"]


def release_tool():
    """The course's ``tools/release_exercises.py`` module (loaded from its file).

    Typical use::

        release_tool().nbgrader_environment("es")["COURSE_LANG"]   # 'es'
    """
    path = layout.ROOT / "tools" / "release_exercises.py"
    spec = importlib.util.spec_from_file_location("release_exercises", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assignments(lang: str, root: Path = layout.ROOT) -> list[str]:
    """Assignment ids of ``solutions/<lang>/`` (folders holding a notebook).

    Typical use::

        assignments("es")   # ['a1-sockets', ...]
    """
    base = root / "solutions" / lang
    if not base.is_dir():
        return []
    return sorted(path.name for path in base.iterdir() if path.is_dir() and any(path.glob("*.ipynb")))


def release(lang: str, root: Path = layout.ROOT) -> list[Path]:
    """Release every assignment of ``lang`` into ``exercises/<lang>/``; return the student notebooks.

    Typical use::

        for path in release("es"): print(path)
    """
    if lang == layout.SOURCE_LANG:
        raise ValueError("the English release is made by tools/release_exercises.py itself")
    if not assignments(lang, root):
        return []
    release_tool().release(lang, None, root)
    return sorted((root / "exercises" / lang).glob("*/*.ipynb"))
