"""Every autograde kernel runs in a bubblewrap sandbox: its own network, processes and scratch files.

A submission is code the grader runs unattended, so its kernel sees only
what it needs, read-only: the system (``/usr``), the interpreter, the
course's virtual environment, the ``helpers`` package and its message
catalogs. It writes only into small in-memory folders: a scratch copy of
the submission's folder (the kernel's working directory), ``/tmp`` and a
scratch home. It has a network namespace of its own (a private loopback
where the submission's and the tests' servers meet, nothing of the host),
a PID namespace that dies with the kernel, an environment cleared to what
the kernel needs, and resource limits (memory, processes and threads, file
size, CPU time).

The kernel talks to nbgrader over ZMQ's IPC transport, through sockets in
the sandbox's own ``/run/kernel``; the grader reaches them through
``/proc/<pid>/root``, via a symlink it renews whenever the kernel restarts.
So the sandbox never gets a writable view of any host folder.

How the sandbox is built depends on who grades:

- an unprivileged instructor: one ``bwrap`` with a user namespace of its own;
- root: ``bwrap`` builds the view with root's rights (it can show an
  interpreter installed under ``/root``), then ``setpriv`` drops to
  ``Sandbox.user_id`` (``nobody``) and a second ``bwrap`` gives the kernel a
  user namespace of its own. Either way the process limit counts only the
  sandbox's own processes, and no further user namespace can be made
  inside (``--disable-userns``).

``nbgrader_config.py`` puts ``SandboxedKernelManager`` into
``RecoveringExecute`` and ``SandboxCheck`` before autograde starts; where
bubblewrap cannot run, autograde stops with a message saying how to fix it.
``c.Sandbox.enabled = False`` grades without a sandbox, with a warning on
every run. ``nbgrader validate`` and the students' own kernels never use it.

Typical use (in ``nbgrader_config.py``)::

    c.RecoveringExecute.kernel_manager_class = grading.SandboxedKernelManager
    c.Autograde.exporter_class = grading.SandboxCheck
    c.Sandbox.memory_limit = 2 * 1024**3
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from jupyter_client.manager import AsyncKernelManager
from nbconvert.exporters import NotebookExporter
from traitlets import Bool, Integer, Unicode
from traitlets.config import LoggingConfigurable

__all__ = [
    "Sandbox",
    "SandboxCheck",
    "SandboxUnavailable",
    "SandboxedKernelManager",
    "SandboxedProcess",
    "require_sandbox",
    "sandbox_problem",
    "sandboxed_command",
]

MIB = 1024 * 1024
#: Where the kernel's ZMQ sockets and connection file live inside the sandbox.
KERNEL_RUN_DIR = "/run/kernel"
#: Where a read-only copy of the submission's other files is shown, for the launcher to copy.
SUBMISSION_DIR = "/run/submission"
SANDBOX_HOME = "/home/student"
#: System folders (or their merged-/usr symlinks) shown read-only.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: The few files of /etc a Python kernel uses (names, services, TLS, time zone, libc).
ETC_FILES = (
    "/etc/hosts", "/etc/services", "/etc/protocols", "/etc/nsswitch.conf", "/etc/host.conf",
    "/etc/gai.conf", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
    "/etc/timezone", "/etc/mime.types", "/etc/ssl", "/etc/ca-certificates", "/etc/alternatives",
)
#: Variables taken from the environment nbgrader gives the kernel; everything else is cleared.
#: (Not JPY_PARENT_PID: inside the PID namespace the kernel's parent is bwrap, so ipykernel would
#: think its parent died and quit; --die-with-parent does that job.)
PASSED_VARIABLES = ("COURSE_LANG", "NBGRADER_EXECUTION", "JPY_SESSION_NAME")

#: Runs first inside the sandbox: limits, scratch copy of the submission, then the kernel itself.
#: argv: limits ("NAME:soft:hard,..."), submission copy, working folder, kernel argv (python -m module ...).
LAUNCHER = """\
import os, resource, shutil, sys
limits, source, work, *kernel = sys.argv[1:]
try:
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("1000")  # if memory runs out, the kernel takes a sandbox process first
except OSError:
    pass
for item in limits.split(","):
    name, soft, hard = item.split(":")
    resource.setrlimit(getattr(resource, name), (int(soft), int(hard)))
if os.path.isdir(source):
    try:
        shutil.copytree(source, work, symlinks=True, dirs_exist_ok=True)
    except (OSError, shutil.Error):
        pass  # a submission larger than the scratch space keeps what fits
os.chdir(work)
# Nobody attaches a debugger to a grading kernel: without debugpy's import ipykernel starts with a
# quarter less CPU (0.9 -> 0.7 s here); ipykernel then simply reports no debugger.
sys.modules["debugpy"] = None
if kernel[1:2] == ["-m"]:
    import runpy
    sys.argv = [kernel[2], *kernel[3:]]
    runpy.run_module(kernel[2], run_name="__main__", alter_sys=True)
else:
    os.execv(kernel[0], kernel)
"""


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here, and the sandbox is not switched off."""


class Sandbox(LoggingConfigurable):
    """Settings of the grading sandbox (``c.Sandbox.*`` in ``nbgrader_config.py``).

    The limits leave every honest submission of the course far from them
    (a kernel needs about 0.5 GB of address space, 20 threads, a few seconds
    of CPU and no files) and stop a hostile one early.

    Typical use::

        Sandbox(config=config).enabled
    """

    enabled = Bool(True, help="Run every autograde kernel in a bubblewrap sandbox. False grades without one (a warning on every run).").tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap command (a name on PATH or a path).").tag(config=True)
    memory_limit = Integer(3072 * MIB, help="Bytes of address space per process (RLIMIT_AS); beyond it, MemoryError.").tag(config=True)
    process_limit = Integer(64, help="Processes and threads the sandbox may run at once (RLIMIT_NPROC in its own user namespace).").tag(config=True)
    file_size_limit = Integer(64 * MIB, help="Bytes one file may grow to (RLIMIT_FSIZE).").tag(config=True)
    cpu_time_limit = Integer(60, help="Seconds of CPU one kernel process may use over the whole notebook (RLIMIT_CPU); then it stops.").tag(config=True)
    scratch_size = Integer(128 * MIB, help="Bytes of each in-memory scratch folder: the working folder, /tmp, the home and /dev/shm.").tag(config=True)
    user_id = Integer(65534, help="When grading as root, the unprivileged user (and group) the kernel runs as.").tag(config=True)
    startup_timeout = Integer(10, help="Seconds bubblewrap may take to report the sandbox's first process.").tag(config=True)

    def rlimits(self) -> str:
        """The limits in the launcher's format, ``NAME:soft:hard`` separated by commas."""
        cpu = self.cpu_time_limit
        return ",".join([
            f"RLIMIT_AS:{self.memory_limit}:{self.memory_limit}",
            f"RLIMIT_NPROC:{self.process_limit}:{self.process_limit}",
            f"RLIMIT_FSIZE:{self.file_size_limit}:{self.file_size_limit}",
            f"RLIMIT_CPU:{cpu}:{cpu + 5}",  # SIGXCPU at the soft limit, SIGKILL 5 s later
        ])


# ---- what the sandbox shows ---------------------------------------------------------------------

@dataclass
class View:
    """What a sandbox shows: read-only host paths, symlinks, scratch folders and files given by fd."""

    read_only: list[tuple[str, str]] = field(default_factory=list)  # (host path, sandbox path)
    symlinks: list[tuple[str, str]] = field(default_factory=list)  # (target, sandbox path)
    scratch: list[tuple[str, int]] = field(default_factory=list)  # in-memory folders (path, bytes), writable
    data: list[tuple[int, str]] = field(default_factory=list)  # (fd, sandbox file), read-only


def _real(path) -> str:
    return os.path.realpath(os.fspath(path))


@functools.lru_cache(maxsize=None)
def interpreter_paths() -> tuple[str, ...]:
    """Host folders the kernel's Python needs: the base interpreter, the venv, the ``helpers`` package.

    A venv's ``bin/python`` is a symlink into the base interpreter (e.g. under
    ``/root/.pyenv``), so both are shown. ``helpers`` is an editable install
    pointing into the repository: only its package folder is shown, never the
    repository around it.
    """
    paths = [_real(sys.base_prefix), _real(sys.prefix)]
    spec = importlib.util.find_spec("helpers")
    if spec is not None and spec.submodule_search_locations:
        paths.extend(_real(location) for location in spec.submodule_search_locations)
    unique = []
    for path in paths:
        if not any(path == kept or path.startswith(kept + os.sep) for kept in unique):
            unique.append(path)
    return tuple(unique)


def catalog_files(assignment: str | None = None) -> tuple[str, ...]:
    """The message catalogs ``helpers`` reads: ``locale/<lang>/helpers.po``, nothing else.

    Test cells are written in the course language when the edition is built, so no
    assignment catalog is needed, and none is shown: ``locale/<lang>/solutions/*.po``
    hold the text of hidden tests. (``assignment`` is accepted for callers; it adds nothing.)
    """
    from helpers.messages import CATALOG_DIR

    patterns = ["*/helpers.po"]
    return tuple(sorted(_real(path) for pattern in patterns for path in Path(CATALOG_DIR).glob(pattern)))


def system_view() -> View:
    """The read-only system: /usr and its merged-/usr symlinks, a few /etc files, the interpreter."""
    view = View()
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            view.symlinks.append((os.readlink(path), path))
        elif os.path.isdir(path):
            view.read_only.append((path, path))
    view.read_only += [(path, path) for path in ETC_FILES if os.path.exists(path)]
    view.read_only += [(path, path) for path in interpreter_paths()]
    return view


# ---- the bwrap command ----------------------------------------------------------------------------

def _mount_arguments(view: View, settings: Sandbox) -> list[str]:
    """bwrap's mount operations for ``view``: scratch folders first, then binds over them, then read-only."""
    args = ["--proc", "/proc", "--dev", "/dev"]
    made: set[str] = {"/", "/proc", "/dev"}
    shown: list[str] = []  # sandbox paths of read-only binds: nothing is created inside them

    def parents(path: str) -> list[str]:
        wanted = []
        for parent in reversed(PurePosixPath(path).parents):
            parent = str(parent)
            if parent in made or any(parent == s or parent.startswith(s + "/") for s in shown):
                continue
            made.add(parent)
            wanted += ["--perms", "0755", "--dir", parent]  # bwrap makes parents 0700 otherwise
        return wanted

    for target, path in view.symlinks:
        args += ["--symlink", target, path]
        made.add(path)
    for path, size in view.scratch:
        args += parents(path) + ["--perms", "1777", "--size", str(size), "--tmpfs", path]
        made.add(path)
    for source, path in view.read_only:
        args += parents(path) + ["--ro-bind", source, path]
        shown.append(path)
        made.add(path)
    for fd, path in view.data:
        args += parents(path) + ["--perms", "0444", "--ro-bind-data", str(fd), path]
    # Nothing else is writable: the root and /dev are bwrap's own tmpfs, with no size limit.
    return args + ["--remount-ro", "/dev", "--remount-ro", "/"]


def sandboxed_command(
    command: list[str],
    *,
    settings: Sandbox,
    workdir: str,
    env: dict[str, str] | None = None,
    view: View | None = None,
    info_fd: int | None = None,
    as_root: bool | None = None,
    assignment: str | None = None,
) -> list[str]:
    """The argv that runs ``command`` (``python -m module ...`` or any program) inside a sandbox.

    ``workdir`` becomes an in-memory folder, the command's working folder;
    files under ``/run/submission`` are copied into it first. ``view`` adds
    to the system view (the kernel's connection file, the submission);
    ``assignment`` names the graded assignment (no catalog of it is shown).

    Typical use::

        argv = sandboxed_command([sys.executable, "-c", "print(1)"], settings=Sandbox(), workdir="/tmp/w")
        subprocess.run(argv, check=True)
    """
    as_root = os.geteuid() == 0 if as_root is None else as_root
    full = system_view()
    full.read_only += [(path, path) for path in catalog_files(assignment)]
    if view is not None:
        full.read_only += view.read_only
        full.symlinks += view.symlinks
        full.data += view.data
    size = settings.scratch_size
    full.scratch = [("/dev/shm", size), ("/tmp", size), (SANDBOX_HOME, size), (KERNEL_RUN_DIR, MIB), (workdir, size)]
    python = os.path.join(_real(sys.prefix), "bin", "python")
    variables = {
        "PATH": f"{os.path.dirname(python)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": SANDBOX_HOME,
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        **{name: value for name, value in (env or {}).items() if name in PASSED_VARIABLES},
    }
    namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grading"]
    args = [settings.bwrap, *namespaces, "--die-with-parent", "--new-session", "--clearenv"]
    for name, value in variables.items():
        args += ["--setenv", name, value]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    args += _mount_arguments(full, settings) + ["--chdir", "/"]
    launcher = [python, "-c", LAUNCHER, settings.rlimits(), SUBMISSION_DIR, workdir, *command]
    if not as_root:
        return args + ["--unshare-user", "--disable-userns", "--", *launcher]
    # Root: this bwrap keeps root's rights to build the view, setpriv drops them, and a second bwrap
    # gives the kernel a user namespace of its own (so RLIMIT_NPROC counts the sandbox alone).
    uid = str(settings.user_id)
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    inner = [settings.bwrap, "--unshare-user", "--disable-userns", "--die-with-parent", "--dev-bind", "/", "/", "--chdir", "/"]
    return args + ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--", *drop, "--", *inner, "--", *launcher]


# ---- can it run here? ------------------------------------------------------------------------------

FIX_BWRAP = (
    "Install bubblewrap: `sudo apt-get install bubblewrap` (Debian, Ubuntu), `sudo dnf install bubblewrap` "
    "(Fedora), or set c.Sandbox.bwrap to its path."
)
FIX_NAMESPACES = (
    "bubblewrap needs user namespaces: `sudo sysctl -w kernel.unprivileged_userns_clone=1` (Debian, older "
    "Ubuntu) or `sudo sysctl -w user.max_user_namespaces=15000`; on Ubuntu 24.04 or later "
    "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (or an AppArmor profile for bwrap); "
    "inside Docker, run the container with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined` "
    "or grade as root."
)
OPT_OUT = "To grade without a sandbox (students' code then sees your files and network), set c.Sandbox.enabled = False in nbgrader_config.py."


@functools.lru_cache(maxsize=8)
def _probe(bwrap: str, as_root: bool) -> str | None:
    settings = Sandbox(bwrap=bwrap)
    command = sandboxed_command([os.path.join(_real(sys.prefix), "bin", "python"), "-c", "pass"],
                                settings=settings, workdir="/tmp/probe", as_root=as_root)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not start a sandbox: {error}. {FIX_NAMESPACES}"
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        return f"bubblewrap could not start a sandbox ({detail[-1] if detail else f'exit code {done.returncode}'}). {FIX_NAMESPACES}"
    return None


def sandbox_problem(settings: Sandbox) -> str | None:
    """Why autograde cannot sandbox its kernels here (with how to fix it), or None if it can.

    Typical use::

        problem = sandbox_problem(Sandbox())
        if problem: print(problem)
    """
    if not sys.platform.startswith("linux"):
        return (f"The grading sandbox uses Linux namespaces (bubblewrap); this machine runs {sys.platform}. "
                "Grade on a Linux machine (or a Linux VM or container).")
    bwrap = shutil.which(settings.bwrap)
    if bwrap is None:
        return f"bubblewrap ({settings.bwrap!r}) is not installed. {FIX_BWRAP}"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "Grading as root needs `setpriv` (util-linux) to drop root's rights: `sudo apt-get install util-linux`."
    return _probe(bwrap, os.geteuid() == 0)


def require_sandbox(settings: Sandbox, log) -> bool:
    """Stop (``SandboxUnavailable``) if the sandbox is on but cannot run; warn if it is off. True if on.

    Typical use::

        require_sandbox(Sandbox(config=config), log)
    """
    if not settings.enabled:
        log.warning("SANDBOX OFF: c.Sandbox.enabled is False, so students' code runs with your rights, "
                    "your files and your network while it is graded.")
        return False
    problem = sandbox_problem(settings)
    if problem:
        message = f"Autograde refuses to run students' code without its sandbox. {problem} {OPT_OUT}"
        log.error(message)
        raise SandboxUnavailable(message)
    return True


class SandboxCheck(NotebookExporter):
    """nbgrader's notebook exporter, which first checks the sandbox: ``c.Autograde.exporter_class``.

    ``nbgrader autograde`` (and the formgrader's Autograde button) creates its
    exporter once, before grading anything, so a missing bubblewrap stops
    the run at once with one clear message, and a sandbox switched off is
    announced once per run.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            require_sandbox(Sandbox(parent=self), self.log)
        except SandboxUnavailable as error:
            from nbgrader.converters.base import NbGraderException

            raise NbGraderException(str(error)) from None


# ---- a sandboxed process (kernel or any command) ----------------------------------------------------

class SandboxedProcess:
    """Files and descriptors one sandbox launch needs; ``close()`` after the launch, ``remove()`` at the end.

    ``runtime`` is a private host folder (mode 0700): the connection file, the
    staged submission files, the kernel's output log, and ``sandbox`` -- a
    symlink to the sandbox's ``/run/kernel`` through ``/proc/<pid>/root``.
    """

    def __init__(self, settings: Sandbox, runtime: Path):
        self.settings = settings
        self.runtime = runtime
        self._fds: list[int] = []
        self._info_read: int | None = None
        self.pid: int | None = None

    @property
    def socket_dir(self) -> Path:
        """The host path of the sandbox's ``/run/kernel`` (a symlink through /proc)."""
        return self.runtime / "sandbox"

    def _pipe_with(self, data: bytes) -> int:
        read, write = os.pipe()
        with os.fdopen(write, "wb") as stream:  # a connection file is far smaller than a pipe's buffer
            stream.write(data)
        self._fds.append(read)
        return read

    def stage_submission(self, workdir: str) -> list[tuple[str, str]]:
        """Copy the submission's folder (without notebooks: the kernel runs the one nbgrader sends) for the launcher."""
        staged = self.runtime / "submission"
        shutil.rmtree(staged, ignore_errors=True)
        source = Path(workdir)
        if not source.is_dir() or not any(p for p in source.iterdir() if p.suffix != ".ipynb"):
            return []
        shutil.copytree(source, staged, symlinks=True, ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
        for folder, dirs, files in os.walk(staged):
            os.chmod(folder, 0o755)
            for name in files:
                path = os.path.join(folder, name)
                if not os.path.islink(path):
                    os.chmod(path, 0o644)
        return [(str(staged), SUBMISSION_DIR)]

    def command(self, kernel_argv: list[str], *, workdir: str, env: dict[str, str], connection: dict) -> tuple[list[str], list[int]]:
        """The bwrap argv for a kernel and the descriptors it must inherit."""
        view = View(read_only=self.stage_submission(workdir))
        inside = {**connection, "ip": f"{KERNEL_RUN_DIR}/kernel"}
        view.data.append((self._pipe_with(json.dumps(inside).encode()), f"{KERNEL_RUN_DIR}/connection.json"))
        self._info_read, info_write = os.pipe()
        self._fds.append(info_write)
        argv = sandboxed_command(kernel_argv, settings=self.settings, workdir=workdir, env=env, view=view, info_fd=info_write,
                                 assignment=Path(workdir).name)  # nbgrader runs it in autograded/<student>/<assignment>
        return argv, list(self._fds)

    def close(self) -> None:
        """Close the descriptors given to bwrap (our copies)."""
        for fd in self._fds:
            os.close(fd)
        self._fds = []

    def read_child_pid(self) -> int:
        """Block until bwrap reports the sandbox's first process, and point ``socket_dir`` at its /run/kernel."""
        data = b""
        with os.fdopen(self._info_read, "rb", buffering=0) as stream:
            self._info_read = None
            while chunk := stream.read(4096):  # bwrap writes one small JSON object
                data += chunk
                try:
                    info = json.loads(data)
                    break
                except ValueError:
                    continue
            else:
                raise SandboxUnavailable("bubblewrap stopped before it started the sandbox; see the kernel log.")
        self.pid = int(info["child-pid"])
        link = self.runtime / "sandbox.new"
        link.unlink(missing_ok=True)
        link.symlink_to(f"/proc/{self.pid}/root{KERNEL_RUN_DIR}")
        os.replace(link, self.socket_dir)
        return self.pid

    def remove(self) -> None:
        """Delete the runtime folder."""
        self.close()
        if self._info_read is not None:
            os.close(self._info_read)
            self._info_read = None
        shutil.rmtree(self.runtime, ignore_errors=True)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run in the grading sandbox (``Execute.kernel_manager_class``).

    The kernel spec is the usual one (``python -m ipykernel_launcher -f
    ...``); this manager wraps its command in bubblewrap, speaks to it over
    IPC, and interrupts it with a message (a signal would stop bwrap, not the
    kernel). With ``c.Sandbox.enabled = False`` it is an ordinary
    ``AsyncKernelManager``.

    Typical use::

        c.RecoveringExecute.kernel_manager_class = SandboxedKernelManager
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sandbox = Sandbox(parent=self)
        self._process: SandboxedProcess | None = None
        if self.sandbox.enabled:
            # The client's IPC socket paths live in here: keep them under the 107 bytes a socket path may have.
            runtime = Path(tempfile.mkdtemp(prefix="course-sandbox-", dir=None if len(tempfile.gettempdir()) < 60 else "/tmp"))
            self._process = SandboxedProcess(self.sandbox, runtime)
            self.transport = "ipc"
            self.ip = str(self._process.socket_dir / "kernel")
            self.connection_file = str(runtime / "connection.json")

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None and self.sandbox.enabled and spec.interrupt_mode != "message":
            spec.interrupt_mode = "message"  # SIGINT to the process group would stop bwrap, and the kernel with it
        return spec

    def last_exit_status(self) -> int | None:
        """The exit status of the kernel process that just ended (bwrap's: 128 + signal if killed), or None."""
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.returncode

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        if self._process is None:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        problem = sandbox_problem(self.sandbox)
        if problem:
            raise SandboxUnavailable(f"{problem} {OPT_OUT}")
        with open(self.connection_file, encoding="utf-8") as stream:
            connection = json.load(stream)
        inside = list(kernel_cmd)
        if "-f" in inside:
            inside[inside.index("-f") + 1] = f"{KERNEL_RUN_DIR}/connection.json"
        workdir = os.path.abspath(kw.get("cwd") or os.getcwd())
        argv, fds = self._process.command(inside, workdir=workdir, env=kw.get("env") or {}, connection=connection)
        log = open(self._process.runtime / "kernel.log", "ab")  # the kernel's raw stdout/stderr, never the terminal
        kw.update(env={"PATH": os.environ.get("PATH", os.defpath)}, pass_fds=fds, stdout=log, stderr=log, cwd=str(self._process.runtime))
        try:
            await super()._async_launch_kernel(argv, **kw)
        finally:
            self._process.close()
            log.close()
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.run_in_executor(None, self._process.read_child_pid), self.sandbox.startup_timeout)
        except (asyncio.TimeoutError, SandboxUnavailable) as error:
            raise SandboxUnavailable(f"The grading sandbox did not start ({error or 'timeout'}). bwrap said: {self.kernel_log()}") from None

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._process is not None:
            self._process.remove()

    def kernel_log(self) -> str:
        """The end of what the sandboxed kernels wrote to their raw stdout and stderr."""
        if self._process is None:
            return ""
        path = self._process.runtime / "kernel.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""
