"""The trial hub end to end: real Unix users, the real proxy, real single-user servers, nbgrader's exchange.

One hub for the module (``hub``): three students (en, es, zh-TW) and an
instructor, each a Unix user whose name starts with a random prefix, all
deleted at the end. Each signs in through the login form and starts a server.
``cycle`` then runs a whole assignment through the exchange with the CLI, each
command as its Unix user (``runuser``): the instructor releases a1-sockets,
the students fetch it, one submits the reference solution and one the
untouched release, the instructor collects, grades in the course's sandbox
(``tools/course grade``), and releases feedback, which the students fetch.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import stat
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from trial_hub import REPO, HubSession, TrialHub, homes

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0 or sys.platform != "linux", reason="the trial hub makes Unix users: root on Linux only"),
    pytest.mark.timeout(600),  # the module's hub and grading cycle are built inside the first tests
]

ASSIGNMENT = "a1-sockets"
LANGUAGES = {"s1": "en", "s2": "es", "s3": "zh-TW"}
LOCALES = {"en": "en", "es": "es_ES", "zh-TW": "zh_TW"}


@pytest.fixture(scope="module")
def hub():
    """A started hub with three students and an instructor, every server started through the login form."""
    prefix = f"zzhub{secrets.token_hex(2)}"
    trial = TrialHub.create(prefix)
    try:
        trial.start()
        trial.add_students({f"{prefix}-{short}": lang for short, lang in LANGUAGES.items()})
        people = [*trial.students, trial.instructor]
        trial.sessions = {}
        for name in people:
            session = trial.login(name)
            assert session.signed_in, f"{name} could not sign in"
            trial.sessions[name] = session
        with ThreadPoolExecutor(len(people)) as pool:  # a class starts its servers at the same moment
            list(pool.map(HubSession.start_server, trial.sessions.values()))
        yield trial
    finally:
        trial.cleanup()


def student(hub: TrialHub, short: str) -> str:
    return f"{hub.prefix}-{short}"


def reference_notebook(released: dict) -> dict:
    """The released notebook with each solution cell replaced by the instructor's reference solution."""
    solution = json.loads((REPO / "solutions" / "en" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    answers = {}
    for cell in solution["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            source = "".join(cell["source"])
            answers[meta["grade_id"]] = "\n".join(line for line in source.split("\n") if "### BEGIN SOLUTION" not in line
                                                  and "### END SOLUTION" not in line)
    filled = 0
    for cell in released["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
            filled += 1
    assert filled == len(answers) == 2, "a1-sockets should have two solution cells in both notebooks"
    return released


@pytest.fixture(scope="module")
def cycle(hub):
    """a1-sockets through the exchange: release, fetch, submit (s1 right, s2 untouched, s3 nothing), grade, feedback."""
    s1, s2, s3 = (student(hub, short) for short in ("s1", "s2", "s3"))
    hub.nbgrader(hub.instructor, "generate_assignment", ASSIGNMENT, "--force")  # registers it in the gradebook
    hub.nbgrader(hub.instructor, "release_assignment", ASSIGNMENT)
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda name: hub.nbgrader(name, "fetch_assignment", ASSIGNMENT), (s1, s2, s3)))
    fetched = hub.home(s1) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = reference_notebook(json.loads(fetched.read_text(encoding="utf-8")))
    # Written by the student, as JupyterLab would: root never writes into a student's home.
    hub.run_as(s1, sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write(sys.stdin.read())", str(fetched),
               stdin=json.dumps(notebook))
    # s1 submits with the CLI, s2 with the Assignments tab's Submit button (its server's REST API).
    hub.nbgrader(s1, "submit", ASSIGNMENT)
    submitted = hub.sessions[s2].api("POST", "assignments/submit", data={"assignment_id": ASSIGNMENT, "course_id": "sockets"},
                                     timeout=120)
    assert submitted.status_code == 200 and submitted.json()["success"], submitted.text
    course = hub.home(hub.instructor) / homes.INSTRUCTOR_COURSE
    hub.nbgrader(hub.instructor, "collect", ASSIGNMENT)
    hub.run_as(hub.instructor, str(course / "tools" / "course"), "grade", ASSIGNMENT, "--workers", "2", cwd=course, timeout=300)
    hub.nbgrader(hub.instructor, "generate_feedback", ASSIGNMENT)
    hub.nbgrader(hub.instructor, "release_feedback", ASSIGNMENT)
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda name: hub.nbgrader(name, "fetch_feedback", ASSIGNMENT), (s1, s2, s3)))
    hub.nbgrader(hub.instructor, "export")
    rows = (course / "grades.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    grades = {row["student_id"]: row for row in (dict(zip(header, line.split(","))) for line in rows[1:])}
    # The file for Canvas, written as the docs say: the instructor's tools/course in ~/course.
    hub.run_as(hub.instructor, str(course / "tools" / "course"), "export-grades", "--format", "canvas", cwd=course, timeout=300)
    with open(course / "grades-canvas.csv", encoding="utf-8-sig", newline="") as exported:
        canvas = list(csv.DictReader(exported))
    return {"grades": grades, "canvas": canvas, "s1": s1, "s2": s2, "s3": s3}


# ---- servers --------------------------------------------------------------------------------------------

def test_every_server_is_up_behind_the_proxy(hub):
    """Each person's server answers its REST API through the proxy, signed in by the hub's OAuth."""
    for name, session in hub.sessions.items():
        response = session.api("GET", "api/status")
        assert response.status_code == 200, (name, response.status_code, response.text)
        assert session.hub_api("GET", f"users/{name}").json()["servers"][""]["ready"] is True


def test_every_server_listens_on_a_port_no_port_zero_bind_can_take(hub):
    """Each person's jupyterhub-singleuser listens on 127.0.0.1 at a port of the pool below the ephemeral range."""
    import psutil

    from socket_course_hub.ports import server_pool_range

    listening = {}
    for process in psutil.process_iter(["username", "cmdline"]):
        if process.info["username"] in hub.sessions and "jupyterhub-singleuser" in " ".join(process.info["cmdline"] or []):
            for connection in process.net_connections(kind="tcp"):
                if connection.status == psutil.CONN_LISTEN:
                    listening.setdefault(process.info["username"], set()).add(connection.laddr)
    assert set(listening) == set(hub.sessions)
    for name, addresses in listening.items():
        assert [(host, port in server_pool_range()) for host, port in addresses] == [("127.0.0.1", True)], (name, addresses)


def test_kernels_use_ipc_in_a_private_runtime_folder(hub):
    """A kernel started through a student's REST API has an IPC connection file in their 0700 runtime folder."""
    for name in hub.students:
        session = hub.sessions[name]
        kernel = session.api("POST", "api/kernels", json={"name": "python3"})
        assert kernel.status_code == 201, kernel.text
        runtime = hub.home(name) / homes.RUNTIME
        connection = json.loads((runtime / f"kernel-{kernel.json()['id']}.json").read_text(encoding="utf-8"))
        assert connection["transport"] == "ipc"
        assert connection["ip"].startswith(str(runtime) + "/")
        info = runtime.stat()
        assert info.st_uid == hub.home(name).stat().st_uid and stat.S_IMODE(info.st_mode) & 0o077 == 0


def test_jupyterlab_speaks_each_students_language(hub):
    """JupyterLab's locale setting of each student's server is their roster language's pack."""
    for name, lang in hub.students.items():
        response = hub.sessions[name].api("GET", "lab/api/settings/@jupyterlab/translation-extension:plugin")
        assert response.status_code == 200, response.text
        assert response.json()["settings"].get("locale") == LOCALES[lang], name


def test_each_home_holds_the_lessons_of_its_language_and_no_solution(hub):
    """A student's home gets the student edition's lessons in their language, no solutions/ and no marker."""
    for name, lang in hub.students.items():
        home = hub.home(name)
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        lessons = home / homes.LESSONS / "notebooks"
        assert sorted(p.name for p in lessons.iterdir()) == [lang]
        assert (lessons / lang / "00-start-here.ipynb").is_file()
        assert not list(home.rglob("solutions"))
        for notebook in home.rglob("*.ipynb"):
            assert "BEGIN SOLUTION" not in notebook.read_text(encoding="utf-8"), notebook


def test_status_lists_everyone_with_a_ready_server(hub):
    """``tools/course hub status`` (the hub's API with the course's service token) shows each person's server ready."""
    lines = [line.split("\t") for line in hub.cli("status").stdout.splitlines()]
    found = {fields[0]: fields[1:4] for fields in lines}
    expected = {name: ["student", lang, "server ready"] for name, lang in hub.students.items()}
    expected[hub.instructor] = ["instructor", "en", "server ready"]
    assert found == expected


def test_a_wrong_password_does_not_sign_in(hub):
    """The login form refuses a student's name with another student's password."""
    s1, s2 = student(hub, "s1"), student(hub, "s2")
    session = HubSession(hub.url, s1)
    response = session.login(hub.passwords()[s2])
    assert not session.signed_in and response.status_code == 403


# ---- the assignment cycle through nbgrader's exchange ---------------------------------------------------

def test_each_grade_is_what_the_submission_deserves(cycle):
    """The reference solution gets every point, the untouched release none, and no submission no grade."""
    grades = cycle["grades"]
    right, untouched = grades[cycle["s1"]], grades[cycle["s2"]]
    assert float(right["max_score"]) == 4.0
    assert (right["status"], float(right["score"])) == ("graded", 4.0)
    assert (untouched["status"], float(untouched["score"])) == ("graded", 0.0)
    assert cycle["s3"] not in grades or grades[cycle["s3"]]["status"] == "not submitted"


def test_the_canvas_export_on_the_hub_has_each_students_score(cycle):
    """tools/course export-grades run by the instructor on the hub writes each submitter's score, and a1's points."""
    rows = {row["SIS User ID"]: row for row in cycle["canvas"]}
    assert float(rows[""][ASSIGNMENT]) == 4.0                  # the "Points Possible" row
    assert rows[""]["Student"] == "Points Possible"
    assert float(rows[cycle["s1"]][ASSIGNMENT]) == 4.0
    assert float(rows[cycle["s2"]][ASSIGNMENT]) == 0.0


def test_feedback_lands_only_in_its_students_home(hub, cycle):
    """Each submitter fetches one feedback page, with their own score; the student who did not submit gets none."""
    pages = {name: sorted((hub.home(name) / ASSIGNMENT).glob("feedback/*/*.html")) for name in hub.students}
    assert len(pages[cycle["s1"]]) == 1 and len(pages[cycle["s2"]]) == 1
    assert pages[cycle["s3"]] == []
    for name, expected in ((cycle["s1"], 4), (cycle["s2"], 0)):
        text = pages[name][0].read_text(encoding="utf-8")
        assert re.search(rf"Score:\s*{expected}(\.0)?\s*/\s*4", re.sub(r"<[^>]+>", " ", text)), name


def test_the_assignments_tab_of_each_student_shows_a1(hub, cycle):
    """nbgrader's Assignments tab (its server API) of every student lists a1-sockets of course sockets."""
    for name in hub.students:
        response = hub.sessions[name].api("GET", "assignments", params={"course_id": "sockets"})
        assert response.status_code == 200, response.text
        listed = response.json()
        assert listed["success"], listed
        assert ASSIGNMENT in {entry["assignment_id"] for entry in listed["value"]}, (name, listed["value"])


def test_only_the_instructor_has_the_formgrader(hub):
    """Students' servers have neither nbgrader's formgrader nor its JupyterLab plug-in; the instructor's has both."""
    for name, session in hub.sessions.items():
        instructor = name == hub.instructor
        assert session.api("GET", "formgrader/api/status").status_code == (200 if instructor else 404), name
        page = session.api("GET", "lab").text
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S).group(1))
        assert ("@jupyter/nbgrader:formgrader" in config.get("disabledExtensions", [])) is not instructor, name
        assert "@jupyter/nbgrader:assignment-list" not in config.get("disabledExtensions", [])


def test_the_instructors_formgrader_reads_the_course(hub, cycle):
    """The instructor's formgrader (server API) lists a1-sockets with the course's two submissions."""
    response = hub.sessions[hub.instructor].api("GET", "formgrader/api/assignments")
    assert response.status_code == 200, response.text
    assignments = {entry["name"]: entry for entry in response.json()}
    assert assignments[ASSIGNMENT]["num_submissions"] == 2


# ---- isolation ------------------------------------------------------------------------------------------

def denied(done) -> bool:
    return done.returncode != 0 and "Permission denied" in done.stderr


def test_a_student_cannot_read_another_students_home(hub, cycle):
    """s2 cannot read s1's submitted notebook or fetched feedback in s1's home; s1 can."""
    s1, s2 = cycle["s1"], cycle["s2"]
    notebook = hub.home(s1) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    feedback = next((hub.home(s1) / ASSIGNMENT).glob("feedback/*/*.html"))
    for path in (notebook, feedback, hub.home(s1)):
        command = ("ls",) if path.is_dir() else ("cat",)
        assert hub.run_as(s1, *command, str(path)).returncode == 0
        assert denied(hub.run_as(s2, *command, str(path), check=False)), path


def test_a_student_cannot_find_submissions_or_feedback_in_the_exchange(hub, cycle):
    """The exchange's inbound and feedback folders cannot be listed by a student; the instructor lists inbound."""
    course = hub.state.exchange / "sockets"
    for folder in ("inbound", "feedback"):
        assert denied(hub.run_as(cycle["s2"], "ls", str(course / folder), check=False)), folder
    listing = hub.run_as(hub.instructor, "ls", str(course / "inbound")).stdout
    assert cycle["s1"] in listing and cycle["s2"] in listing


def test_a_student_cannot_read_another_students_submission_even_by_its_name(hub, cycle):
    """s2 cannot read s1's submission in the exchange even knowing its path; s1 and the instructor can."""
    inbound = hub.state.exchange / "sockets" / "inbound"
    for author, other in ((cycle["s1"], cycle["s2"]), (cycle["s2"], cycle["s1"])):
        [submission] = inbound.glob(f"{author}+{ASSIGNMENT}+*")
        notebook = submission / f"{ASSIGNMENT}.ipynb"
        for reader in (author, hub.instructor):
            assert hub.run_as(reader, "cat", str(notebook)).returncode == 0, reader
        assert denied(hub.run_as(other, "cat", str(notebook), check=False)), (other, notebook)


#: Run as a hub user: read a kernel's connection file, then connect to its shell socket (a Unix socket file).
CONNECT = r"""
import json, socket, sys
path = sys.argv[1]
try:
    info = json.load(open(path))
except PermissionError as error:
    print("connection file:", error, file=sys.stderr)
ip = path[: -len(".json")] + "-ipc"
with socket.socket(socket.AF_UNIX) as sock:
    sock.settimeout(10)
    sock.connect(f"{ip}-{1}")   # shell_port 1 on IPC: the file <ip>-1
print("connected")
"""


def test_a_student_cannot_reach_another_students_kernel(hub):
    """Another student cannot open s1's kernel sockets (0700 folders), while s1 connects to them."""
    s1, s2 = student(hub, "s1"), student(hub, "s2")
    session = hub.sessions[s1]
    kernel = session.api("POST", "api/kernels", json={"name": "python3"}).json()
    # Readiness: the kernel answers kernel_info (its sockets are bound), asked as s1 with a deadline.
    # Not wait_for_ready(): on a busy host it calls a live kernel dead when one heartbeat is late.
    connection = hub.home(s1) / homes.RUNTIME / f"kernel-{kernel['id']}.json"
    hub.run_as(s1, sys.executable, "-c",
               "import sys, jupyter_client; c = jupyter_client.BlockingKernelClient(connection_file=sys.argv[1]);"
               "c.load_connection_file(); c.start_channels(); c.kernel_info(reply=True, timeout=60); c.stop_channels()",
               str(connection), timeout=90)
    assert hub.run_as(s1, sys.executable, "-c", CONNECT, str(connection)).stdout.strip() == "connected"
    other = hub.run_as(s2, sys.executable, "-c", CONNECT, str(connection), check=False)
    assert denied(other), other.stdout + other.stderr
    assert "connected" not in other.stdout
