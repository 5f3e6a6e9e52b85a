"""tests/kernel_ready.py against a real IPython kernel, paused the way a loaded host pauses it."""
from __future__ import annotations

import os
import signal
import sys
import threading

import pytest
from jupyter_client import BlockingKernelClient, KernelManager

from kernel_ready import wait_until_answering


@pytest.fixture
def kernel():
    """A real python3 kernel and a client that no manager owns, as the browser and hub tests make."""
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel()
    client = BlockingKernelClient()
    client.load_connection_info(manager.get_connection_info())
    client.start_channels()
    yield manager, client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSTOP pauses a process on POSIX only")
def test_a_kernel_paused_past_its_heartbeat_is_waited_for(kernel):
    """A kernel that misses heartbeats for 3 s is still waited for, and then its output arrives."""
    manager, client = kernel
    pid = manager.provisioner.process.pid
    os.kill(pid, signal.SIGSTOP)
    resume = threading.Timer(3, os.kill, (pid, signal.SIGCONT))  # the pause is the scenario, not a wait
    resume.start()
    try:
        wait_until_answering(client, timeout=60)
    finally:
        resume.join()
    printed = []
    client.execute_interactive("print(6 * 7)", timeout=30,
                               output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    assert "".join(printed) == "42\n"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSTOP pauses a process on POSIX only")
def test_a_kernel_that_never_answers_ends_in_timeout_error(kernel):
    """A kernel that stays paused makes the wait end with TimeoutError at its deadline."""
    manager, client = kernel
    pid = manager.provisioner.process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(TimeoutError, match="did not answer kernel_info within 3 s"):
            wait_until_answering(client, timeout=3)
    finally:
        os.kill(pid, signal.SIGCONT)
