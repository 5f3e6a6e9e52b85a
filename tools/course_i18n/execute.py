"""Run a built notebook top to bottom so its stored outputs are in its language.

The kernel starts in the notebook's folder (as in JupyterLab and nbval), so
``helpers.setup()`` finds the language in the path (``notebooks/es/...``).
``COURSE_LANG`` and ``JPY_SESSION_NAME`` are removed from the kernel's
environment: an instructor's shell setting must not leak into an edition.
Cell and notebook metadata are put back exactly as built (only outputs,
execution counts and the widget state come from the run).

Typical use::

    nb = execute.run(nbformat.read(path, 4), path.parent)
"""

from __future__ import annotations

import copy
import os
from contextlib import contextmanager
from pathlib import Path

from nbclient import NotebookClient

__all__ = ["CELL_TIMEOUT", "was_executed", "run"]

#: Seconds one cell may take (the lessons' own limit under nbval is 60 s).
CELL_TIMEOUT = 60
_LEAKY_VARIABLES = ("COURSE_LANG", "JPY_SESSION_NAME", "NBGRADER_EXECUTION")


def was_executed(notebook) -> bool:
    """True when the notebook is stored with outputs of a run (some code cell has a count).

    Typical use::

        if was_executed(source): run(edition, folder)
    """
    return any(cell.cell_type == "code" and cell.get("execution_count") for cell in notebook.cells)


@contextmanager
def _clean_environment():
    saved = {name: os.environ.pop(name) for name in _LEAKY_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def run(notebook, folder: Path, timeout: int = CELL_TIMEOUT):
    """Execute ``notebook`` in place with the kernel's working folder set to ``folder``; return it.

    Typical use::

        run(nb, Path("notebooks/es"))
    """
    metadata = copy.deepcopy(notebook.metadata)
    cell_metadata = [copy.deepcopy(cell.metadata) for cell in notebook.cells]
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(folder)}},
    )
    with _clean_environment():
        client.execute()
    widgets = notebook.metadata.get("widgets")
    notebook.metadata = metadata
    if widgets is not None:
        notebook.metadata["widgets"] = widgets
    for cell, saved in zip(notebook.cells, cell_metadata):
        cell.metadata = saved
    return notebook
