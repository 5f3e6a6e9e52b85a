"""A whole class on the trial hub: real Unix users, the real proxy, real single-user servers, nbgrader's exchange.

One hub for the module (``hub``): twenty students, whose languages go round
the five editions, and an instructor, each a Unix user whose name starts with
a random prefix, all deleted at the end. Everyone signs in through the login
form and all servers are started at the same moment. Then:

- ``lessons``: every student runs every lesson of their edition, all at one
  signal, each as their own Unix user with kernels on ZMQ's IPC transport
  (tests/hub/class_lessons.py; ``--class-kernels tcp`` puts them on TCP, as
  jupyter_client starts kernels by default, to compare);
- ``cycle``: a1-sockets through nbgrader's exchange for the whole class, each
  command as its Unix user (``runuser``). The instructor releases it; everyone
  fetches it; the students hand in, going round six kinds of work (the
  reference solution, the untouched release, three known mistakes, nothing at
  all), half with the CLI and half with the Assignments tab's Submit button;
  the instructor collects, grades in the course's sandbox (``tools/course
  grade``) and releases feedback, which everyone fetches.

The grade each submission deserves comes from the known mistakes' failing
tests (tests/grading/grading_submissions.py) and the points of a1's test cells.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import stat
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from class_lessons import LESSON_TIMEOUT, READY_TIMEOUT, StudentRun, lesson_numbers
from trial_hub import REPO, HubSession, TrialHub, homes

sys.path.insert(0, str(REPO / "tests" / "grading"))
from grading_course import is_test, nbgrader_id  # noqa: E402
from grading_submissions import MISTAKES, Case, reference, untouched  # noqa: E402

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0 or sys.platform != "linux", reason="the trial hub makes Unix users: root on Linux only"),
    pytest.mark.timeout(1800),  # the module's class, its lessons and its grading cycle are built inside the first tests
]

CLASS_SIZE = 20
EDITIONS = ["en", "es", "fr", "id", "zh-TW"]
LOCALES = {"en": "en", "es": "es_ES", "fr": "fr_FR", "id": "id_ID", "zh-TW": "zh_TW"}
ASSIGNMENT = "a1-sockets"
#: What the students hand in, going round: a Case, or None for a student who submits nothing.
WORK: list[Case | None] = [reference(ASSIGNMENT), untouched(ASSIGNMENT),
                           *(case for case in MISTAKES if case.assignment == ASSIGNMENT), None]
#: Seconds for the whole class's lessons once they are all ready (20 students alone on 2 cores: about 240 s).
CLASS_LESSONS_DEADLINE = 1200
#: The class's lessons run at this lower CPU priority: on the test run's 2 shared cores, twenty students at
#: full priority pushed the load to 20 and other files' timed steps (a grading test cell's 6 s) ran out.
#: The lessons' own deadlines are minutes; the priority changes how fast they run, not what they do.
CLASS_NICENESS = 10
#: Students fetching or submitting at once: enough to overlap, few enough not to queue behind one another.
EXCHANGE_PARALLEL = 5


@pytest.fixture(scope="module")
def hub():
    """A started hub with 20 students and an instructor; every server asked for at the same moment."""
    prefix = f"zzhub{secrets.token_hex(2)}"
    trial = TrialHub.create(prefix)
    try:
        trial.start()
        trial.add_students({f"{prefix}-s{number:02d}": EDITIONS[(number - 1) % len(EDITIONS)]
                            for number in range(1, CLASS_SIZE + 1)})
        trial.sessions = {name: trial.login(name) for name in [*trial.students, trial.instructor]}
        trial.start_failures = {}

        def start(item):
            name, session = item
            try:
                session.start_server()
            except Exception as error:  # HubCommandError, an HTTP timeout ...: the first test reports it
                trial.start_failures[name] = f"{type(error).__name__}: {error}"

        with ThreadPoolExecutor(len(trial.sessions)) as pool:  # a class starts its servers at the same moment
            list(pool.map(start, trial.sessions.items()))
        yield trial
    finally:
        trial.cleanup()


def students(hub: TrialHub) -> list[str]:
    return sorted(hub.students)


def work_of(hub: TrialHub, name: str) -> Case | None:
    return WORK[students(hub).index(name) % len(WORK)]


def one_per_edition(hub: TrialHub) -> list[str]:
    return [next(name for name in students(hub) if hub.students[name] == lang) for lang in EDITIONS]


@pytest.fixture(scope="module")
def lessons(hub, pytestconfig):
    """Every lesson for every student with a server, all started at one signal: {name: StudentRun}."""
    transport = pytestconfig.getoption("class_kernels")
    runs = {name: StudentRun(hub, name, lesson_numbers(None), niceness=CLASS_NICENESS, transport=transport)
            for name in hub.students if name not in hub.start_failures}
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        ready = {name: run.wait_ready(deadline) for name, run in runs.items()}
        for name, run in runs.items():
            if ready[name]:
                run.go()
            else:
                run.stop()
        end = time.monotonic() + CLASS_LESSONS_DEADLINE
        for run in runs.values():
            run.join(max(0.0, end - time.monotonic()))
        return runs
    finally:
        for run in runs.values():
            run.stop()


def deserved(case: Case, released: nbformat.NotebookNode) -> float:
    """The points a submission earns: every test cell's points but those of the tests it fails (all, untouched)."""
    points = {nbgrader_id(cell): float(cell.metadata["nbgrader"]["points"]) for cell in released.cells if is_test(cell)}
    return sum(value for grade_id, value in points.items() if not case.untouched and grade_id not in case.failing)


@pytest.fixture(scope="module")
def cycle(hub):
    """a1-sockets through the exchange for the whole class: the gradebook's export, the Canvas file, what each deserves."""
    names = students(hub)
    course = hub.home(hub.instructor) / homes.INSTRUCTOR_COURSE
    hub.nbgrader(hub.instructor, "generate_assignment", ASSIGNMENT, "--force")  # registers it in the gradebook
    hub.nbgrader(hub.instructor, "release_assignment", ASSIGNMENT)
    with ThreadPoolExecutor(EXCHANGE_PARALLEL) as pool:
        list(pool.map(lambda name: hub.nbgrader(name, "fetch_assignment", ASSIGNMENT), names))
    released = nbformat.read(hub.home(names[0]) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)  # as fetched

    def hand_in(indexed):
        index, name = indexed
        case = work_of(hub, name)
        if case is None:
            return
        fetched = hub.home(name) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        notebook = case.build(nbformat.read(fetched, as_version=4))
        # Written by the student, as JupyterLab would: root never writes into a student's home.
        hub.run_as(name, sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write(sys.stdin.read())",
                   str(fetched), stdin=nbformat.writes(notebook))
        if index % 2:  # the Assignments tab's Submit button: the student's server runs nbgrader
            done = hub.sessions[name].api("POST", "assignments/submit", timeout=180,
                                          data={"assignment_id": ASSIGNMENT, "course_id": "sockets"})
            assert done.status_code == 200 and done.json()["success"], (name, done.text)
        else:
            hub.nbgrader(name, "submit", ASSIGNMENT)

    with ThreadPoolExecutor(EXCHANGE_PARALLEL) as pool:
        list(pool.map(hand_in, enumerate(names)))
    hub.nbgrader(hub.instructor, "collect", ASSIGNMENT)
    hub.run_as(hub.instructor, str(course / "tools" / "course"), "grade", ASSIGNMENT, "--workers", "2",
               cwd=course, timeout=900)
    hub.nbgrader(hub.instructor, "generate_feedback", ASSIGNMENT, timeout=600)
    hub.nbgrader(hub.instructor, "release_feedback", ASSIGNMENT)
    with ThreadPoolExecutor(EXCHANGE_PARALLEL) as pool:
        list(pool.map(lambda name: hub.nbgrader(name, "fetch_feedback", ASSIGNMENT), names))
    hub.nbgrader(hub.instructor, "export")
    rows = (course / "grades.csv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    grades = {row["student_id"]: row for row in (dict(zip(header, line.split(","))) for line in rows[1:])}
    # The file for Canvas, written as the docs say: the instructor's tools/course in ~/course.
    hub.run_as(hub.instructor, str(course / "tools" / "course"), "export-grades", "--format", "canvas", cwd=course, timeout=300)
    with open(course / "grades-canvas.csv", encoding="utf-8-sig", newline="") as exported:
        canvas = list(csv.DictReader(exported))
    expected = {name: (None if work_of(hub, name) is None else deserved(work_of(hub, name), released)) for name in names}
    by_work = {(case.student if case else None): next(name for name in names if work_of(hub, name) == case) for case in WORK}
    return {"grades": grades, "canvas": canvas, "expected": expected, "course": course,
            "max": deserved(reference(ASSIGNMENT), released),
            # One student of each kind: s1 handed in the reference (CLI), s2 the untouched release (Submit button), s3 nothing.
            "s1": by_work[f"reference-{ASSIGNMENT}"], "s2": by_work[f"untouched-{ASSIGNMENT}"], "s3": by_work[None]}


# ---- the class arrives ------------------------------------------------------------------------------------

def test_every_student_signs_in_and_gets_a_server(hub):
    """All 20 students and the instructor sign in through the login form and every server starts at the same moment."""
    assert len(hub.students) == CLASS_SIZE and sorted(set(hub.students.values())) == sorted(EDITIONS)
    assert [name for name, session in hub.sessions.items() if not session.signed_in] == []
    assert hub.start_failures == {}


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


def test_every_lesson_runs_for_every_student_at_once(hub, lessons):
    """Every student's every lesson ran to its end at once, on the asked-for transport: no failed start, no error."""
    numbers = lesson_numbers(None)
    assert set(lessons) == set(hub.students)
    report = {name: {number: run.outcomes.get(number, "not finished") for number in numbers} for name, run in lessons.items()}
    failed = {name: ({number: outcome for number, outcome in outcomes.items() if outcome != "ok"}, lessons[name].error_tail(6000))
              for name, outcomes in report.items() if set(outcomes.values()) != {"ok"}}
    transport = next(iter(lessons.values())).transport
    for name, (outcomes, tail) in sorted(failed.items()):   # in the report's captured stdout, untruncated
        print(f"--- {name} ({hub.students[name]}): {outcomes}\n{tail}\n")
    assert {name: outcomes for name, (outcomes, _) in failed.items()} == {}, \
        f"{len(failed)} of {CLASS_SIZE} students had lessons that did not run cleanly on {transport} kernels " \
        f"(each lesson may take {LESSON_TIMEOUT} s; their errors are in the captured stdout)"
    assert {name: run.transports for name, run in lessons.items() if run.transports != {transport}} == {}


def test_kernels_use_ipc_in_a_private_runtime_folder(hub):
    """A kernel started through a student's REST API has an IPC connection file in their 0700 runtime folder."""
    for name in one_per_edition(hub):
        session = hub.sessions[name]
        kernel = session.api("POST", "api/kernels", json={"name": "python3"})
        assert kernel.status_code == 201, kernel.text
        runtime = hub.home(name) / homes.RUNTIME
        connection = json.loads((runtime / f"kernel-{kernel.json()['id']}.json").read_text(encoding="utf-8"))
        assert connection["transport"] == "ipc"
        assert connection["ip"].startswith(str(runtime) + "/")
        info = runtime.stat()
        assert info.st_uid == hub.home(name).stat().st_uid and stat.S_IMODE(info.st_mode) & 0o077 == 0
        assert session.api("DELETE", f"api/kernels/{kernel.json()['id']}").status_code == 204


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
    s1, s2 = students(hub)[:2]
    session = HubSession(hub.url, s1)
    response = session.login(hub.passwords()[s2])
    assert not session.signed_in and response.status_code == 403


# ---- the assignment cycle through nbgrader's exchange ---------------------------------------------------

def test_every_student_gets_the_grade_their_submission_deserves(cycle):
    """Each graded score equals the points of the tests the submission passes; who handed in nothing has no grade."""
    grades, expected = cycle["grades"], cycle["expected"]
    assert cycle["max"] == 4.0 and len(expected) == CLASS_SIZE
    assert {score for score in expected.values() if score is not None} >= {0.0, 4.0} and None in expected.values()
    got = {name: (float(grades[name]["score"]) if name in grades and grades[name]["status"] == "graded" else None)
           for name in expected}
    assert got == expected
    assert all(float(grades[name]["max_score"]) == 4.0 for name, score in expected.items() if score is not None)


def test_the_canvas_export_on_the_hub_has_each_students_score(cycle):
    """tools/course export-grades run by the instructor on the hub writes each submitter's score, and a1's points."""
    rows = {row["SIS User ID"]: row for row in cycle["canvas"]}
    assert float(rows[""][ASSIGNMENT]) == 4.0                  # the "Points Possible" row
    assert rows[""]["Student"] == "Points Possible"
    for name, score in cycle["expected"].items():
        if score is not None:
            assert float(rows[name][ASSIGNMENT]) == score, name


def test_each_students_feedback_reaches_only_that_student(hub, cycle):
    """A submitter's home holds exactly the page graded for them, with their score; who handed in nothing gets none."""
    course, expected = cycle["course"], cycle["expected"]
    for name, score in expected.items():
        pages = sorted((hub.home(name) / ASSIGNMENT).glob("feedback/*/*.html"))
        if score is None:
            assert pages == [], name
            continue
        assert len(pages) == 1, (name, pages)
        own = course / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert pages[0].read_bytes() == own.read_bytes(), name
        text = re.sub(r"<[^>]+>", " ", pages[0].read_text(encoding="utf-8"))
        assert re.search(rf"Score:\s*{score:g}(\.0)?\s*/\s*4", text), (name, score)


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
    assert assignments[ASSIGNMENT]["num_submissions"] == sum(score is not None for score in cycle["expected"].values())


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
    s1, s2 = students(hub)[:2]
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
