"""``setup()``: the first call of every notebook.

It chooses the language of the helpers' messages and sets a default socket
timeout, so a forgotten ``accept()`` or ``recv()`` raises ``TimeoutError``
instead of hanging the kernel. Under nbgrader (``NBGRADER_EXECUTION`` is set)
the timeout is shorter, so a stuck submission does not slow a grading batch.

Typical use::

    import helpers
    helpers.setup(lang="es")
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from .messages import LANGUAGES, _, set_language
from .plot_fonts import use_fonts_for

__all__ = ["setup", "Settings", "grading", "detect_language", "default_timeout", "DEFAULT_TIMEOUT", "GRADING_TIMEOUT"]

#: Seconds a blocking socket call may wait in a lesson.
DEFAULT_TIMEOUT = 10.0
#: Seconds a blocking socket call may wait while nbgrader grades.
GRADING_TIMEOUT = 3.0


def detect_language(default: str = "en") -> str:
    """Guess the course language from where the notebook lives.

    Checked in order: the ``COURSE_LANG`` environment variable (an
    instructor's nbgrader configuration sets it), the notebook path that
    Jupyter gives the kernel (``JPY_SESSION_NAME``), then the working
    folder; the nearest folder named after a course language wins, so
    ``notebooks/es/04-tcp.ipynb`` speaks Spanish.

    Typical use::

        detect_language()   # -> "es" in notebooks/es/
    """
    explicit = os.environ.get("COURSE_LANG")
    if explicit:
        return explicit
    tags = {tag.lower(): tag for tag in LANGUAGES}
    for place in (os.environ.get("JPY_SESSION_NAME", ""), os.getcwd()):
        for part in reversed(place.replace("\\", "/").split("/")):
            if part.lower() in tags:
                return tags[part.lower()]
    return default


def grading() -> bool:
    """True while nbgrader executes the notebook (autograde or validate).

    Typical use::

        if grading(): ...
    """
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def default_timeout() -> float:
    """The timeout ``setup()`` uses when none is given.

    Typical use::

        default_timeout()   # -> 10.0 in a lesson, 3.0 under nbgrader
    """
    return GRADING_TIMEOUT if grading() else DEFAULT_TIMEOUT


@dataclass(frozen=True)
class Settings:
    """What ``setup()`` chose; shown as one friendly line in the notebook.

    Typical use::

        settings = helpers.setup()
        settings.lang, settings.timeout   # -> ('en', 10.0)
    """

    lang: str
    timeout: float

    def __repr__(self) -> str:
        return _(
            "Course helpers ready: messages in {lang}, socket timeout {timeout:g} s.",
            lang=self.lang,
            timeout=self.timeout,
        )


def setup(lang: str | None = None, timeout: float | None = None) -> Settings:
    """Choose the message language and the default socket timeout.

    ``lang`` is one of "en", "es", "fr", "id", "zh-TW"; left out, it comes
    from the notebook's folder (see ``detect_language``). ``timeout`` (seconds)
    becomes ``socket.setdefaulttimeout``: every socket created afterwards gives
    up with ``TimeoutError`` instead of waiting forever. It defaults to 10 s,
    or 3 s while nbgrader grades; under grading a larger value is capped.

    Typical use::

        import helpers
        helpers.setup()                     # first cell: language from the folder
        helpers.setup(lang="en")
        helpers.setup(lang="zh-TW", timeout=5)
    """
    chosen = set_language(lang if lang is not None else detect_language())
    if timeout is None:
        timeout = default_timeout()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(_("The timeout must be a positive number of seconds, not {value!r}.", value=timeout))
    if grading():
        timeout = min(float(timeout), GRADING_TIMEOUT)
    socket.setdefaulttimeout(float(timeout))
    if not grading():  # no exercise plots; a grading kernel should not scan the system's fonts
        use_fonts_for(chosen)  # zh-TW plots need a font with Chinese glyphs
    return Settings(lang=chosen, timeout=float(timeout))
