"""Wait until a kernel answers on its shell and IOPub channels, with a deadline as the only limit.

``KernelClient.wait_for_ready`` on a client that no kernel manager owns calls the kernel dead as
soon as one heartbeat comes back more than a second late. A loaded 2-core CI host does that: CI
once failed with "Kernel died before replying to kernel_info" on a kernel that was alive.

Typical use::

    client.start_channels()
    wait_until_answering(client, timeout=60)
    client.execute_interactive("print(6 * 7)", timeout=30)
"""
from __future__ import annotations

import time
from queue import Empty


def wait_until_answering(client, timeout: float) -> None:
    """Send kernel_info until a reply comes on shell and its status on IOPub; TimeoutError past ``timeout``."""
    deadline = time.monotonic() + timeout
    asked: set[str] = set()
    answered = False
    while time.monotonic() < deadline:
        asked.add(client.kernel_info())
        try:
            while not answered:
                answered = client.get_shell_msg(timeout=1)["parent_header"].get("msg_id") in asked
            # IOPub carries a busy/idle status for each request once the subscription is live: after
            # that, nothing the kernel prints is lost.
            while client.get_iopub_msg(timeout=1)["parent_header"].get("msg_id") not in asked:
                pass
            return
        except Empty:
            continue
    raise TimeoutError(f"the kernel did not answer kernel_info within {timeout} s")
