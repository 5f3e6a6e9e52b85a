"""nbgrader's exchange for the trial hub, and the configuration every single-user server reads.

The layout and modes are nbgrader's own (its ``release_assignment`` makes
the same ones); here root makes them once, with the instructor as owner of
the course's folders, so nothing depends on who runs the first command::

    exchange/                    root   1777  nbgrader checks for 777; the sticky bit stops users
                                              deleting or renaming what others made
    exchange/sockets/            instr  0755
    exchange/sockets/outbound/   instr  0755  released assignments: everyone reads, only the instructor writes
    exchange/sockets/inbound/    instr  2733  submissions: students write, cannot list; only the instructor reads
                                              (each submission's folder 0770, the instructor's group: PrivateSubmit)
    exchange/sockets/feedback/   instr  0711  feedback under unguessable names: no listing

Students' servers also read ``student-config/``, which turns nbgrader's
instructor tools off for them (the formgrader, the course list, the
assignment-creation toolbar): a student's formgrader would only show an
empty course of their own home, and the menu entry misleads.

Typical use::

    make_exchange(state.exchange, instructor="teacher")
    write_nbgrader_config(state.jupyter_config, state.exchange)
    write_student_config(state.student_config)
"""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

from .state import COURSE_ID

__all__ = ["INSTRUCTOR_TOOLS", "LAYOUT", "make_exchange", "nbgrader_config_text", "write_nbgrader_config", "write_student_config"]

#: Folder under the exchange root -> its mode (owner: the instructor).
LAYOUT = {
    COURSE_ID: 0o755,
    f"{COURSE_ID}/outbound": 0o755,
    f"{COURSE_ID}/inbound": 0o2733,
    f"{COURSE_ID}/feedback": 0o711,
}


def make_exchange(root: Path, instructor: str) -> Path:
    """Create (or repair) the exchange at ``root`` for ``instructor``; return the root."""
    root.mkdir(parents=True, exist_ok=True)
    os.chown(root, 0, 0)
    os.chmod(root, 0o1777)
    account = pwd.getpwnam(instructor)
    for relative, mode in LAYOUT.items():
        folder = root / relative
        folder.mkdir(exist_ok=True)
        os.chown(folder, account.pw_uid, account.pw_gid)
        os.chmod(folder, mode)
    return root


#: Submissions readable by their author and the instructor only. nbgrader makes a submission folder 0777
#: (0644 files inside), hidden only by a random name. inbound/ is setgid, so the folder belongs to the
#: instructor's group from its creation on: mode 0770 lets the author and that group in, nobody else.
#: (Files keep nbgrader's modes: some are written after nbgrader's copy, and a student may not give
#: them the instructor's group; the closed folder is what protects them.)
PRIVATE_SUBMIT = """
import os as _os
from nbgrader.exchange.default.submit import ExchangeSubmit as _ExchangeSubmit


class PrivateSubmit(_ExchangeSubmit):
    \"\"\"nbgrader's submit, then the submission's folder closed to all but its author and the instructor's group.\"\"\"

    def copy_files(self):
        super().copy_files()
        _os.chmod(_os.path.join(self.inbound_path, self.assignment_filename), 0o770)


c.ExchangeFactory.submit = PrivateSubmit
"""


def nbgrader_config_text(exchange: Path) -> str:
    """The nbgrader settings every hub user shares: the exchange, the course id, private submissions."""
    return (
        "# Written by tools/course hub start: the trial hub's nbgrader exchange (tools/course_hub/exchange.py).\n"
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        + PRIVATE_SUBMIT
    )


def write_nbgrader_config(folder: Path, exchange: Path) -> Path:
    """Write ``nbgrader_config.py`` into ``folder`` (on every server's ``JUPYTER_CONFIG_PATH``), readable by all."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    path = folder / "nbgrader_config.py"
    path.write_text(nbgrader_config_text(exchange), encoding="utf-8")
    os.chmod(path, 0o644)
    return path


#: nbgrader's instructor parts: the server extension and the JupyterLab plug-ins students do not get.
INSTRUCTOR_TOOLS = {
    "server": ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"],
    "lab": ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list", "@jupyter/nbgrader:create-assignment"],
}


def write_student_config(folder: Path) -> Path:
    """Jupyter configuration for students' servers only: nbgrader's instructor tools turned off."""
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    server = {"ServerApp": {"jpserver_extensions": {name: False for name in INSTRUCTOR_TOOLS["server"]}}}
    lab = {"disabledExtensions": {name: True for name in INSTRUCTOR_TOOLS["lab"]}}
    for path, values in ((folder / "jupyter_server_config.json", server), (folder / "labconfig" / "page_config.json", lab)):
        path.write_text(json.dumps(values, indent=1) + "\n", encoding="utf-8")
        os.chmod(path, 0o644)
    for each in (folder, folder / "labconfig"):
        os.chmod(each, 0o755)
    return folder
