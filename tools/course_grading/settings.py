"""Fail closed on a bad course setting: stop the nbgrader command before it writes anything.

traitlets, which loads ``nbgrader_config.py``, logs an exception raised there
("Exception while loading config file") and goes on with nbgrader's defaults:
no course language, no sandbox, and feedback that shows the hidden tests. An
exception is therefore never allowed out of the course's configuration: it
becomes a message that says what to fix and ``SystemExit(2)``, which traitlets
does not catch, so the command ends at once with a non-zero exit.

A line an instructor adds below that block is covered too:
``stop_on_config_errors()`` makes traitlets' own "Exception while loading
config file" report stop the command the same way. A syntax error keeps the
file from running at all, so ``tools/course setup`` also writes a guard,
``.venv/etc/jupyter/nbgrader_config.py``, that nbgrader loads first and that
calls ``stop_on_config_errors()``.

Typical use (in ``nbgrader_config.py``)::

    settings.stop_on_config_errors()
    with settings.fail_closed():
        LANG = settings.course_language()
        ...  # the rest of the configuration
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback

__all__ = ["CourseSettingError", "course_language", "is_course_root", "fail_closed", "stop_on_config_errors", "EXIT_CODE"]

#: Exit status of an nbgrader command stopped by a bad setting (2: a usage error, as argparse uses).
EXIT_CODE = 2
#: The language when COURSE_LANG is not set.
DEFAULT_LANGUAGE = "en"


class CourseSettingError(Exception):
    """A course setting (environment variable or ``nbgrader_config.py`` value) is wrong; the text says how to fix it."""


def is_course_root(course_root, stream=None) -> bool:
    """True if ``course_root`` holds ``nbgrader_config.py``; if not, says so on ``stream`` (stderr).

    Typical use (an instructor's command)::

        if not settings.is_course_root(args.course.resolve()):
            return settings.EXIT_CODE
    """
    if (course_root / "nbgrader_config.py").is_file():
        return True
    print(f"[course] {course_root} has no nbgrader_config.py: run this from the course root (or pass --course).",
          file=stream or sys.stderr)
    return False


def course_language(environ=os.environ) -> str:
    """The course language from ``COURSE_LANG`` as a course tag ("es", "zh-TW"); a wrong value is an error.

    Typical use::

        course_language({"COURSE_LANG": "zh_TW"})   # -> "zh-TW"
    """
    from helpers.messages import LANGUAGES, normalise_language

    raw = environ.get("COURSE_LANG")
    if raw is None or raw == "":
        return DEFAULT_LANGUAGE
    try:
        return normalise_language(raw)
    except (TypeError, ValueError):
        raise CourseSettingError(
            f"COURSE_LANG={raw!r} is not a language of the course. "
            f"Use one of: {', '.join(LANGUAGES)} (for example: COURSE_LANG=es nbgrader autograde a2-tcp-client)."
        ) from None


@contextlib.contextmanager
def fail_closed(config_file: str = "nbgrader_config.py", stream=None):
    """Turn any exception in the block into a clear message on stderr and ``SystemExit(EXIT_CODE)``.

    Typical use::

        with fail_closed():
            c.CourseDirectory.source_directory = f"solutions/{course_language()}"
    """
    try:
        yield
    except CourseSettingError as error:
        _stop(f"{error}", config_file, stream)
    except Exception:  # any mistake in the configuration: nothing may run with nbgrader's defaults
        where = traceback.format_exc(limit=-3).rstrip()
        _stop(f"the course configuration raised an error:\n{where}\nFix it, then run the command again.", config_file, stream)


#: What traitlets logs (and then ignores) when a configuration file raises.
TRAITLETS_CONFIG_ERROR = "Exception while loading config file %s"


class _StopOnConfigError(logging.Filter):
    """A logger filter that turns traitlets' report of a raising config file into a stop."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == TRAITLETS_CONFIG_ERROR:
            error = record.exc_info[1] if record.exc_info else None
            where = "".join(traceback.format_exception(error, limit=-3)).rstrip() if error else ""
            _stop(f"{record.getMessage()}:\n{where}\nFix it, then run the command again.", "nbgrader", None)
        return True


def stop_on_config_errors() -> bool:
    """Make the nbgrader command that is loading this configuration stop on any config file error.

    traitlets loads config files in ``Application._load_config_files`` and logs
    an exception with the application's logger; this finds that logger on the
    call stack and adds a filter that raises ``SystemExit`` on that report.
    Returns False when not called from a traitlets config load (a test, a plain import).

    Typical use::

        settings.stop_on_config_errors()   # first line of nbgrader_config.py
    """
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "_load_config_files":
            log = frame.f_locals.get("log")
            if isinstance(log, logging.LoggerAdapter):
                log = log.logger
            if isinstance(log, logging.Logger):
                if not any(isinstance(f, _StopOnConfigError) for f in log.filters):
                    log.addFilter(_StopOnConfigError())
                return True
            return False
        frame = frame.f_back
    return False


def _stop(message: str, config_file: str, stream) -> None:
    stream = stream or sys.stderr
    print(f"[course] {config_file}: {message}\n[course] Stopped before anything was written.", file=stream)
    stream.flush()
    raise SystemExit(EXIT_CODE)
