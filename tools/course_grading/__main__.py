"""Command line of the grading package: ``python tools/course_grading COMMAND ...`` (``tools/course`` calls it).

Commands:

- ``grade``: grade an assignment (or all) for the whole class in parallel (``parallel``);
- ``regrade``: grade again with ``--force`` and rewrite the feedback pages (``regrade``);
- ``student-edition``: write the course as students get it, without solutions (``student_edition``);
- ``export-grades``: the gradebook as a CSV file for Canvas or Moodle (``lms_export``);
- ``worker``: one grading process of ``grade`` (started by ``grade`` itself, not by hand).

The package is loaded from its folder under the name ``nbgrader_config.py``
gives it (``socket_course_grading``), so the plug-ins the configuration
loads and the ones this command uses are the same module.

Typical use::

    tools/course grade a2-tcp-client --workers 2
    tools/course student-edition ../sockets-students --git
    tools/course export-grades --format canvas
"""

import importlib.util
import sys
from pathlib import Path

PACKAGE_NAME = "socket_course_grading"  # the name nbgrader_config.py's load_module() gives it


def load_package():
    """Import this folder as the ``socket_course_grading`` package (once), without touching sys.path."""
    if PACKAGE_NAME not in sys.modules:
        folder = Path(__file__).resolve().parent
        spec = importlib.util.spec_from_file_location(PACKAGE_NAME, folder / "__init__.py", submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE_NAME] = module
        spec.loader.exec_module(module)
    return sys.modules[PACKAGE_NAME]


SLOW_IMPORT = "rfc3987_syntax"


def defer_iri_grammar() -> None:
    """Load ``rfc3987_syntax`` only when something checks an IRI, not at start-up.

    jsonschema (under nbformat, so under every nbgrader command) imports it
    eagerly when it is installed (jupyter_events asks for it), and its import
    builds a grammar: about 2 s of CPU per process, more than the rest of
    nbgrader's start-up (jsonschema issue 1428). Nothing in grading checks
    an IRI; if something does, the real function runs.
    """
    if SLOW_IMPORT in sys.modules or importlib.util.find_spec(SLOW_IMPORT) is None:
        return
    import types

    stub = types.ModuleType(SLOW_IMPORT)

    def is_valid_syntax(*args, **kwargs):
        if sys.modules.get(SLOW_IMPORT) is stub:
            del sys.modules[SLOW_IMPORT]
        return importlib.import_module(SLOW_IMPORT).is_valid_syntax(*args, **kwargs)

    stub.is_valid_syntax = is_valid_syntax
    sys.modules[SLOW_IMPORT] = stub


COMMANDS = {
    "grade": ("parallel", "main"),
    "regrade": ("regrade", "main"),
    "worker": ("worker", "main"),
    "student-edition": ("student_edition", "main"),
    "export-grades": ("lms_export", "main"),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python tools/course_grading {{{','.join(COMMANDS)}}} ...", file=sys.stderr)
        return 2
    # tools/course_grading is sys.path[0] when run as a folder: drop it, so its modules are never
    # imported a second time under their bare names.
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        del sys.path[0]
    defer_iri_grammar()
    load_package()
    module_name, function = COMMANDS[argv[0]]
    module = importlib.import_module(f"{PACKAGE_NAME}.{module_name}")
    return getattr(module, function)(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
