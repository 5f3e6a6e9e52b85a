"""The hub's spawner: LocalProcessSpawner with each server's port from the course's ``PortPool``.

Typical use (in ``hub/jupyterhub_config.py``)::

    c.JupyterHub.spawner_class = CourseSpawner
"""

from __future__ import annotations

import functools

from jupyterhub.spawner import LocalProcessSpawner

from .ports import PortPool, server_pool_range

__all__ = ["CourseSpawner", "server_ports"]


@functools.cache
def server_ports() -> PortPool:
    """The hub process's one pool of server ports (made at the first spawn)."""
    return PortPool(server_pool_range())


class CourseSpawner(LocalProcessSpawner):
    """Starts each server on a port of ``server_ports()``, which no bind to port 0 can take meanwhile."""

    async def start(self):
        """Take a port, then start as LocalProcessSpawner does; a start that fails gives the port back."""
        self.port = server_ports().take()
        try:
            return await super().start()
        except BaseException:
            server_ports().give_back(self.port)
            raise

    async def stop(self, now: bool = False):
        """Stop as LocalProcessSpawner does, then give the server's port back to the pool."""
        try:
            await super().stop(now=now)
        finally:
            server_ports().give_back(self.port)
