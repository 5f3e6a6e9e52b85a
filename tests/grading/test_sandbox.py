"""The grading sandbox itself: real bubblewrap sandboxes and a real kernel in one, without nbgrader."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import select
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from grading_course import REPO
from grading_package import load_grading

sandbox = load_grading().sandbox
Sandbox, SandboxedKernelManager, sandboxed_command = sandbox.Sandbox, sandbox.SandboxedKernelManager, sandbox.sandboxed_command

PYTHON = os.path.join(os.path.realpath(sys.prefix), "bin", "python")


def run_inside(code: str, settings: Sandbox | None = None, env: dict | None = None, workdir: str = "/tmp/work", **kw):
    """Run ``code`` with the venv's Python in a sandbox; return the finished process."""
    argv = sandboxed_command([PYTHON, "-c", textwrap.dedent(code)], settings=settings or Sandbox(), workdir=workdir, env=env, **kw)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def last_json(done) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_sandbox_runs_on_this_machine():
    """bubblewrap is installed and can create the namespaces the sandbox needs (tools/course test installs it)."""
    assert sandbox.sandbox_problem(Sandbox()) is None


def test_missing_bubblewrap_is_explained_and_refused(caplog):
    """Without bwrap, autograde refuses with the install command and the opt-out setting."""
    settings = Sandbox(bwrap="bwrap-that-does-not-exist")
    assert "apt-get install bubblewrap" in sandbox.sandbox_problem(settings)
    with pytest.raises(sandbox.SandboxUnavailable, match=r"c\.Sandbox\.enabled = False"):
        sandbox.require_sandbox(settings, logging.getLogger("test"))


def test_sandbox_switched_off_warns(caplog):
    """With c.Sandbox.enabled = False nothing is checked, and a warning says that students' code is not contained."""
    with caplog.at_level(logging.WARNING):
        assert sandbox.require_sandbox(Sandbox(enabled=False, bwrap="bwrap-that-does-not-exist"), logging.getLogger("test")) is False
    assert "SANDBOX OFF" in caplog.text


def test_root_and_unprivileged_commands():
    """As root the kernel drops to Sandbox.user_id inside a second bwrap; unprivileged, one bwrap makes the user namespace."""
    root = sandboxed_command(["true"], settings=Sandbox(user_id=12345), workdir="/tmp/w", as_root=True)
    user = sandboxed_command(["true"], settings=Sandbox(), workdir="/tmp/w", as_root=False)
    assert "--reuid=12345" in root and root.count("--unshare-user") == 1 and root.index("setpriv") > root.index("--unshare-net")
    assert "setpriv" not in user and "--unshare-user" in user and "--disable-userns" in user
    for argv in (root, user):
        assert {"--unshare-net", "--unshare-pid", "--die-with-parent", "--clearenv", "--new-session"} <= set(argv)


def test_private_loopback_and_no_host_network():
    """Inside, a server on 127.0.0.1 works; the host's loopback port and other addresses are unreachable."""
    with socket.create_server(("127.0.0.1", 0)) as host_service:
        host_service.setblocking(False)
        port = host_service.getsockname()[1]
        found = last_json(run_inside(f"""
            import json, socket
            found = {{}}
            with socket.create_server(("127.0.0.1", 0)) as server:
                with socket.create_connection(server.getsockname(), timeout=2) as client:
                    conn, _ = server.accept()
                    client.sendall(b"ping")
                    found["echo"] = conn.recv(4).decode()
                    conn.close()
            for name, address in [("host", ("127.0.0.1", {port})), ("outside", ("10.0.2.2", 80))]:
                try:
                    socket.create_connection(address, timeout=2).close()
                    found[name] = "connected"
                except OSError as error:
                    found[name] = type(error).__name__
            print(json.dumps(found))
        """))
        with pytest.raises(BlockingIOError):
            host_service.accept()  # nobody connected
    assert found == {"echo": "ping", "host": "ConnectionRefusedError", "outside": "OSError"}, found


def test_view_hides_the_course_home_and_tmp(tmp_path):
    """The kernel imports helpers, but sees no course file, no home and nothing of the host's /tmp, and writes nowhere else."""
    canary = tmp_path / "canary.txt"
    canary.write_text("host file")
    found = last_json(run_inside(f"""
        import json, os, helpers
        helpers.setup(lang="es")
        def seen(path):
            return os.path.exists(path)
        def writable(path):
            try:
                open(path, "w").close()
                return True
            except OSError:
                return False
        print(json.dumps({{
            "helpers": helpers.translate("stopped") != "",
            "config": seen({str(REPO / "nbgrader_config.py")!r}),
            "solutions": seen({str(REPO / "solutions")!r}),
            "home": seen({os.path.expanduser("~") + "/.bashrc"!r}),
            "tmp": seen({str(canary)!r}),
            "write_venv": writable({os.path.join(sys.prefix, "x")!r}),
            "write_root": writable("/x"),
            "write_work": writable("x"),
            "user": os.getuid(),
        }}))
    """))
    assert found["helpers"] is True
    assert [key for key in ("config", "solutions", "home", "tmp", "write_venv", "write_root") if found[key]] == []
    assert found["write_work"] is True
    if os.geteuid() == 0:
        assert found["user"] == Sandbox().user_id


def test_environment_is_cleared():
    """Only the course language, NBGRADER_EXECUTION and the basics reach the kernel; the instructor's variables do not."""
    env = {"COURSE_LANG": "fr", "NBGRADER_EXECUTION": "autograde", "AWS_SECRET_ACCESS_KEY": "x", "HOME": "/root"}
    found = last_json(run_inside("import json, os; print(json.dumps(dict(os.environ)))", env=env))
    assert found["COURSE_LANG"] == "fr" and found["NBGRADER_EXECUTION"] == "autograde"
    assert "AWS_SECRET_ACCESS_KEY" not in found and found["HOME"] == sandbox.SANDBOX_HOME
    assert set(found) <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "PYTHONDONTWRITEBYTECODE", "COURSE_LANG", "NBGRADER_EXECUTION", "PWD"}


def test_processes_die_with_the_sandbox():
    """A detached child (new session) started inside is killed when the sandbox's main process ends."""
    marker = f"sandbox-marker-{uuid.uuid4().hex}"
    done = run_inside(f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {marker!r}], start_new_session=True)
        print("started")
    """)
    assert done.stdout.strip() == "started", done.stderr
    survivors = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                survivors.append(int(entry))
        except OSError:
            pass
    alive = []
    for pid in survivors:  # the PID namespace is being torn down: wait for it (pidfd), bounded
        fd = os.pidfd_open(pid)
        if not select.select([fd], [], [], 5)[0]:
            alive.append(pid)
            os.kill(pid, 9)
        os.close(fd)
    assert alive == []


def test_process_limit_counts_each_sandbox_alone():
    """Two sandboxes hold 15 threads each at once under a limit of 20; one sandbox alone cannot start 30."""
    settings = Sandbox(process_limit=20)
    code = """
        import sys, threading
        wanted = int(sys.argv[1])
        release = threading.Event()
        started = 0
        try:
            for _ in range(wanted):
                threading.Thread(target=release.wait, daemon=True).start()
                started += 1
        except RuntimeError:
            pass
        print(started, flush=True)
        sys.stdin.readline()  # hold the threads until the test has read both counts
        release.set()
    """

    def start(count):
        argv = sandboxed_command([PYTHON, "-c", textwrap.dedent(code), str(count)], settings=settings, workdir="/tmp/w")
        return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    first, second = start(15), start(15)
    try:
        counts = [int(process.stdout.readline() or -1) for process in (first, second)]
    finally:
        for process in (first, second):
            process.communicate("go\n", timeout=30)
    assert counts == [15, 15]
    greedy = start(30)
    count = int(greedy.stdout.readline() or -1)
    greedy.communicate("go\n", timeout=30)
    assert 10 <= count < 20, count


MIB = 1024 * 1024


@pytest.mark.parametrize("settings, code, expected", [
    (Sandbox(memory_limit=1024 * MIB), "bytearray(2 * 1024 * MIB)", "MemoryError"),
    (Sandbox(file_size_limit=16 * MIB), "open('big', 'wb').write(b'0' * (40 * MIB))", "[Errno 27]"),
    (Sandbox(scratch_size=64 * MIB), "[open(f'/tmp/f{i}', 'wb').write(b'0' * (8 * MIB)) for i in range(20)]", "[Errno 28]"),
], ids=["memory", "file-size", "scratch-space"])
def test_resource_limits(settings, code, expected):
    """Memory, file size and scratch space are bounded: Python raises at the limit."""
    done = run_inside(f"""
        MIB = 1024 * 1024
        try:
            {code}
            print("no limit")
        except (MemoryError, OSError) as error:
            print(type(error).__name__, error)
    """, settings=settings)
    assert expected in done.stdout, (done.stdout, done.stderr)


def test_cpu_time_limit_stops_the_process():
    """A busy loop is stopped by SIGXCPU at the CPU-time limit (bwrap exits with 128 + SIGXCPU)."""
    done = run_inside("while True: pass", settings=Sandbox(cpu_time_limit=1))
    assert done.returncode == 128 + 24, (done.returncode, done.stderr)


def test_kernel_runs_interrupts_and_restarts_in_the_sandbox(tmp_path):
    """A sandboxed kernel (no debugger) sees a scratch copy of its folder (not the notebook), interrupts by message, restarts, cleans up."""
    folder = tmp_path / "autograded" / "alice" / "a1"
    folder.mkdir(parents=True)
    (folder / "data.txt").write_text("given")
    (folder / "a1.ipynb").write_text("{}")

    async def scenario():
        km = SandboxedKernelManager(kernel_name="python3")
        runtime = km._process.runtime
        await km.start_kernel(cwd=str(folder), env={"COURSE_LANG": "es", "SECRET": "x"})
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=30)
            texts = []
            hook = lambda msg: msg["msg_type"] == "stream" and texts.append(msg["content"]["text"])  # noqa: E731
            await kc.execute_interactive("import os, sys; print(sorted(os.listdir('.')), os.environ.get('COURSE_LANG'), 'SECRET' in os.environ, sys.modules.get('debugpy'));"
                                         "open('data.txt', 'w').write('changed')", timeout=30, output_hook=hook)
            busy = kc.execute("print('looping', flush=True)\nwhile True: pass")
            while True:  # interrupt only once the loop runs
                message = await kc.get_iopub_msg(timeout=30)
                if message["parent_header"].get("msg_id") == busy and message["content"].get("text") == "looping\n":
                    break
            await km.interrupt_kernel()
            reply = await kc._async_get_shell_msg(timeout=30)
            while reply["parent_header"].get("msg_id") != busy:
                reply = await kc._async_get_shell_msg(timeout=30)
            await km.restart_kernel(now=True)
            await kc.wait_for_ready(timeout=30)
            await kc.execute_interactive("print(open('data.txt').read())", timeout=30, output_hook=hook)
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        return km, runtime, texts, reply

    km, runtime, texts, reply = asyncio.run(scenario())
    assert km.transport == "ipc"
    assert texts[0].strip() == "['data.txt'] es False None"  # and no debugger loaded: a faster start
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
    assert texts[1].strip() == "given"  # the restarted kernel got a fresh copy
    assert (folder / "data.txt").read_text() == "given"  # the host folder never changed
    assert not runtime.exists()


def test_kernel_manager_is_plain_when_switched_off():
    """With c.Sandbox.enabled = False the manager is jupyter_client's own: TCP, no bubblewrap."""
    from traitlets.config import Config

    config = Config()
    config.Sandbox.enabled = False
    km = SandboxedKernelManager(kernel_name="python3", config=config)
    assert km.transport == "tcp" and km._process is None


def test_sandbox_processes_go_first_when_memory_runs_out():
    """Sandboxed processes carry the highest OOM score, so the kernel's OOM killer spares the grader and the host."""
    done = run_inside("print(open('/proc/self/oom_score_adj').read().strip())")
    assert done.stdout.strip() == "1000", done.stderr


def test_the_assignments_messages_are_translated_and_no_other_catalog_is_shown():
    """helpers' messages read in Spanish inside the sandbox; no lesson or assignment catalog (hidden-test text) is shown."""
    message = "The {kind} thread did not stop within {timeout:g} s."
    found = last_json(run_inside(f"""
        import json, os
        from helpers.messages import CATALOG_DIR, set_language, translate
        set_language("es")
        print(json.dumps({{"text": translate({message!r}, kind="echo", timeout=1),
                          "catalogs": sorted(str(p.relative_to(CATALOG_DIR)) for p in CATALOG_DIR.rglob("*.po"))}}))
    """, assignment="a1-sockets"))
    assert found["text"] != message.format(kind="echo", timeout=1)
    assert "es/helpers.po" in found["catalogs"]
    assert [name for name in found["catalogs"] if not name.endswith("/helpers.po")] == []
