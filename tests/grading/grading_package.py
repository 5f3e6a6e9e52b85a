"""Import tools/course_grading/ (the package under test) under a name of the test's choosing, without sys.path.

Typical use::

    grading = load_grading("grading_under_test")
    grading.Sandbox()
"""

from __future__ import annotations

import importlib.util
import sys

from grading_course import REPO


def load_grading(name: str = "course_grading_under_test"):
    """The course_grading package (loaded once per name), with its submodules importable as ``name.sandbox`` ..."""
    if name not in sys.modules:
        package = REPO / "tools" / "course_grading"
        spec = importlib.util.spec_from_file_location(name, package / "__init__.py", submodule_search_locations=[str(package)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
