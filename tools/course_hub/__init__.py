"""The course's trial JupyterHub on one Linux host (``tools/course hub start|add-students|stop``).

Every student is a real Unix user with a private home (0700); JupyterHub's
LocalProcessSpawner starts the venv's ``jupyterhub-singleuser`` as that user,
with kernels on ZMQ's IPC transport and JupyterLab in the student's language;
the lessons of the student edition are copied into the home at the first
start. The instructor is a Unix user too, a hub admin with nbgrader's
formgrader and a copy of the instructor's course. The nbgrader exchange is a
root-owned folder under the hub's state folder.

Modules, one job each:

- ``state``: where the hub keeps its files, its settings (``hub.json``) and the roster;
- ``accounts``: Unix users, the course's group, passwords, the roster file;
- ``exchange``: nbgrader's exchange folders and the configuration every server reads;
- ``homes``: what the pre-spawn hook puts into a home (lessons, settings, runtime folder);
- ``launch``: free ports, the proxy from npm, starting and stopping the hub process;
- ``ports``, ``spawner``: each server's port, from outside the range port-0 binds draw from;
- ``__main__``: the command line.

``hub/jupyterhub_config.py`` loads this package by path (as ``socket_course_hub``).

Typical use::

    tools/course hub start --instructor teacher
    tools/course hub add-students roster.csv      # lines "id,language"
    tools/course hub stop
"""

from .accounts import AccountError, parse_roster
from .state import HubError, HubState

__all__ = ["AccountError", "HubError", "HubState", "parse_roster"]
