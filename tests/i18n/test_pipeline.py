"""The pipeline itself, on a small throw-away course: extract, merge, translate, build, links, code texts."""

from __future__ import annotations

import json

import nbformat
import pytest
from i18n_support import ROOT  # noqa: F401  (puts tools/ on sys.path)

from course_i18n import catalogs, editions, extraction, glossary, layout, links, web_pages

LESSON_TEXT = "# Sockets\n\nA **socket** is one end of a connection."
SECOND_TEXT = "The server answers. See [the exercise](../../exercises/en/a1/a1.ipynb)."
DEMO_CODE = '# Count what came back.\nreplies = [1, 2]\nprint(f"got back {len(replies)} replies")  # two of them\n'


def make_course(root):
    """A lesson (markdown, code, a raw cell, an asset) and an nbgrader assignment, in English."""
    lesson = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    lesson.cells = [
        nbformat.v4.new_markdown_cell(LESSON_TEXT, id="intro"),
        nbformat.v4.new_code_cell("import helpers\nhelpers.setup()", id="setup"),
        nbformat.v4.new_markdown_cell(SECOND_TEXT, id="second"),
        nbformat.v4.new_code_cell(DEMO_CODE, id="demo"),
        nbformat.v4.new_markdown_cell("", id="empty"),
        nbformat.v4.new_raw_cell("raw text stays", id="raw"),
    ]
    (root / "notebooks/en/web").mkdir(parents=True)
    nbformat.write(lesson, root / "notebooks/en/01-intro.ipynb")
    (root / "notebooks/en/web/index.html").write_text('<html lang="en"><p>The page</p></html>')
    (root / "notebooks/en/web/style.css").write_text("p { color: red; }")
    assignment = nbformat.v4.new_notebook()
    grade = {"nbgrader": {"grade": True, "grade_id": "test_echo", "locked": True, "points": 2, "schema_version": 3, "solution": False, "task": False}}
    assignment.cells = [
        nbformat.v4.new_markdown_cell("Write `echo()`: it returns what it gets.", id="task"),
        nbformat.v4.new_code_cell("def echo(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", id="solution",
                                  metadata={"nbgrader": {"grade": False, "grade_id": "echo", "locked": False, "schema_version": 3, "solution": True, "task": False}}),
        nbformat.v4.new_code_cell('"""echo() returns its argument."""\nassert echo(1) == 1, f"got {echo(1)!r}"', id="tests", metadata=grade),
    ]
    (root / "solutions/en/a1").mkdir(parents=True)
    nbformat.write(assignment, root / "solutions/en/a1/a1.ipynb")
    (root / "locale/es").mkdir(parents=True)
    return root


def translate(locale, name, table):
    path = layout.catalog_path("es", name, locale)
    po = catalogs.load(path)
    for entry in po:
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
            if entry.fuzzy:
                entry.flags.remove("fuzzy")
    catalogs.save(po, path)
    return po


@pytest.fixture
def course(tmp_path):
    """A tiny English course with one language folder (es) in a temporary directory."""
    root = make_course(tmp_path)
    extraction.extract_all(["es"], root=root, locale=root / "locale")
    return root


def test_layout_names_catalogs_after_sources(course):
    """A lesson's catalog is notebooks/<stem>, an assignment's is solutions/<assignment>."""
    names = [layout.catalog_name(path, course) for path in layout.source_notebooks(course)]
    assert names == ["notebooks/01-intro", "solutions/a1"]
    assert (course / "locale/es/notebooks/01-intro.po").exists()
    assert (course / "locale/solutions/a1.pot").exists()


def test_extract_takes_markdown_and_code_texts(course):
    """Each markdown cell is one entry named by its cell id; code texts follow with msgctxt, cell, line and code; raw cells never."""
    po = catalogs.load(course / "locale/es/notebooks/01-intro.po")
    assert [(entry.msgctxt, entry.msgid) for entry in po] == [
        (None, LESSON_TEXT),
        (None, SECOND_TEXT),
        ("comment", "Count what came back."),
        ("printed", "got back {len(replies)} replies"),
        ("comment", "two of them"),
    ]
    assert po[0].comment == "cell intro" and po[0].occurrences == [("notebooks/en/01-intro.ipynb", "1")]
    printed = po[3]
    assert printed.comment.replace("\n", " ") == 'code in cell demo, line 3: print(f"got back {len(replies)} replies")  # two of them'
    assert printed.occurrences == [("notebooks/en/01-intro.ipynb", "4")] and "python-brace-format" in printed.flags
    assert all("helpers.setup" not in entry.msgid and "raw text" not in entry.msgid for entry in po)
    tests = catalogs.load(course / "locale/es/solutions/a1.po")
    assert [(e.msgctxt, e.msgid) for e in tests][1:] == [("docstring", "echo() returns its argument."), ("assert message", "got {echo(1)!r}")]


def test_extract_is_idempotent(course):
    """Extracting unchanged sources rewrites no file (no dates in headers)."""
    assert extraction.extract_all(["es"], root=course, locale=course / "locale") == []


def test_changed_text_becomes_fuzzy_removed_becomes_obsolete(course):
    """Re-extraction keeps translations: an edited cell -> fuzzy with the old msgid, a deleted cell -> obsolete."""
    locale = course / "locale"
    translate(locale, "notebooks/01-intro", {LESSON_TEXT: "# Sockets\n\nUn **socket** es un extremo de una conexión.", SECOND_TEXT: "El servidor responde."})
    path = course / "notebooks/en/01-intro.ipynb"
    lesson = nbformat.read(path, 4)
    lesson.cells[0].source = LESSON_TEXT.replace("one end", "one endpoint")
    del lesson.cells[2]
    nbformat.write(lesson, path)
    extraction.extract_all(["es"], root=course, locale=locale)

    po = catalogs.load(locale / "es/notebooks/01-intro.po")
    changed = po.find(lesson.cells[0].source)
    assert changed.fuzzy and changed.previous_msgid == LESSON_TEXT
    assert changed.msgstr.startswith("# Sockets\n\nUn **socket**")
    gone = [entry for entry in po if entry.obsolete]
    assert [(entry.msgid, entry.msgstr) for entry in gone] == [(SECOND_TEXT, "El servidor responde.")]
    assert catalogs.translations(po) == {}  # fuzzy is never used by a build

    lesson.cells.insert(2, nbformat.v4.new_markdown_cell(SECOND_TEXT, id="second"))  # the cell comes back
    nbformat.write(lesson, path)
    extraction.extract_all(["es"], root=course, locale=locale)
    po = catalogs.load(locale / "es/notebooks/01-intro.po")
    assert po.find(SECOND_TEXT).msgstr == "El servidor responde." and not po.find(SECOND_TEXT).obsolete


def test_similar_text_is_matched_without_cell_id():
    """A changed helper message (no cell id) is paired with its old translation by similarity."""
    template = catalogs.new_catalog()
    template.append(catalogs.message("Port {port} is out of range: use 0 to 65535."))
    old = catalogs.new_catalog("es")
    old.append(catalogs.message("Port {port} is out of range (0-65535)."))
    old[0].msgstr = "El puerto {port} está fuera de rango (0-65535)."
    merged = catalogs.merge(template, old, "es")
    assert merged[0].fuzzy and merged[0].msgstr == old[0].msgstr
    assert merged[0].previous_msgid == "Port {port} is out of range (0-65535)."


def test_build_translates_markdown_and_keeps_everything_else(course):
    """The edition has translated markdown, links to /es/, and byte-identical code, ids and nbgrader metadata."""
    locale = course / "locale"
    translate(locale, "notebooks/01-intro", {SECOND_TEXT: "El servidor responde. Mira [el ejercicio](../../exercises/en/a1/a1.ipynb)."})
    translate(locale, "solutions/a1", {"Write `echo()`: it returns what it gets.": "Escribe `echo()`: retorna lo que recibe."})
    editions.copy_assets("es", root=course)
    web_pages.build("es", root=course, locale=locale)
    editions.build_markdown("es", root=course, locale=locale, execute_notebooks="never")

    english = nbformat.read(course / "notebooks/en/01-intro.ipynb", 4)
    spanish = nbformat.read(course / "notebooks/es/01-intro.ipynb", 4)
    assert spanish.cells[0].source == LESSON_TEXT  # untranslated: English kept
    assert spanish.cells[2].source == "El servidor responde. Mira [el ejercicio](../../exercises/es/a1/a1.ipynb)."
    assert [cell.id for cell in spanish.cells] == [cell.id for cell in english.cells]
    assert spanish.cells[1] == english.cells[1] and spanish.cells[5] == english.cells[5]
    assert spanish.cells[3] == english.cells[3]  # code texts not translated yet: the cell stays English
    assert spanish.metadata == english.metadata
    assert (course / "notebooks/es/web/style.css").read_text() == "p { color: red; }"  # an asset: copied
    assert (course / "notebooks/es/web/index.html").read_text() == '<html lang="es"><p>The page</p></html>'  # a page: generated

    source = json.loads((course / "solutions/en/a1/a1.ipynb").read_text())
    built = json.loads((course / "solutions/es/a1/a1.ipynb").read_text())
    assert built["cells"][1:] == source["cells"][1:]
    assert "".join(built["cells"][0]["source"]) == "Escribe `echo()`: retorna lo que recibe."


def test_build_removes_files_of_deleted_sources(course):
    """An edition file whose English source disappeared is removed by the next build."""
    editions.build_markdown("es", root=course, locale=course / "locale", execute_notebooks="never")
    (course / "notebooks/es/99-old.ipynb").write_text("{}")
    assert editions.remove_stale("es", root=course) == [course / "notebooks/es/99-old.ipynb"]
    assert not (course / "notebooks/es/99-old.ipynb").exists()
    with pytest.raises(ValueError):
        editions.remove_stale("en", root=course)


def test_stored_outputs_are_carried_when_code_is_unchanged(course):
    """Rebuilding after a markdown-only change keeps the stored (localised) outputs of code cells."""
    editions.build_markdown("es", root=course, locale=course / "locale", execute_notebooks="never")
    target = course / "notebooks/es/01-intro.ipynb"
    stored = nbformat.read(target, 4)
    stored.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="listo\n")]
    stored.cells[1].execution_count = 1
    nbformat.write(stored, target)
    fresh = editions.edition_notebook(course / "notebooks/en/01-intro.ipynb", "es", course, course / "locale")
    assert editions.carry_outputs(fresh, stored) and fresh.cells[1].outputs[0].text == "listo\n"
    fresh.cells[1].source += "\nprint(1)"
    assert not editions.carry_outputs(fresh, stored)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("../../exercises/en/a1/a1.ipynb", "../../exercises/es/a1/a1.ipynb"),
        ("/lab/tree/notebooks/en/04-tcp.ipynb", "/lab/tree/notebooks/es/04-tcp.ipynb"),
        ("../en/web/index.html", "../es/web/index.html"),
        ("05-udp.ipynb#Retries", "05-udp.ipynb#Retries"),
        ("https://example.org/notebooks/en/x", "https://example.org/notebooks/en/x"),
        ("#section", "#section"),
    ],
)
def test_link_targets(target, expected):
    """Links to course files move to the language's folder; web links and anchors stay."""
    assert links.localise_target(target, "es") == expected


def test_links_in_markdown_reference_and_html():
    """Inline, reference-style and HTML links are all rewritten, prose is not."""
    text = 'See notebooks/en in [a](../en/x.ipynb), <img src="../en/web/p.png">\n\n[ref]: ../../solutions/en/a1/a1.ipynb\n'
    assert links.localise_links(text, "fr") == (
        'See notebooks/en in [a](../fr/x.ipynb), <img src="../fr/web/p.png">\n\n[ref]: ../../solutions/fr/a1/a1.ipynb\n'
    )


def test_glossary_rules_catch_forbidden_and_missing_terms():
    """The Spanish glossary rejects «enchufe» and «subproceso» for thread, and wants «servidor» for server."""
    rules = glossary.load("es")
    assert glossary.violations(rules, "Each socket", "Cada enchufe")
    assert glossary.violations(rules, "The server", "El anfitrión")
    assert glossary.violations(rules, "One thread per client", "Un subproceso por cliente")
    assert not glossary.violations(rules, "Run it in a `subprocess`, a new process", "Ejecútalo en un subproceso, un proceso nuevo")
    assert glossary.violations(rules, "The server's `server` socket", "El socket `server`")  # prose must say «servidor»
    assert not glossary.violations(rules, "One thread per client", "Un hilo por cliente")


def test_detector_tells_english_from_spanish(detector):
    """The language check flags an English paragraph in a Spanish edition and accepts Spanish."""
    assert detector.mismatch("The server accepts a connection and sends a greeting to the client.", "es") == "en"
    assert detector.mismatch("El servidor acepta una conexión y envía un saludo al cliente.", "es") is None
    assert detector.mismatch("`socket.socket()`", "es") is None  # code only: nothing to judge


def test_build_translates_code_texts_token_by_token(course):
    """Translated comments and f-string text go into the code; fields, code and untranslated texts stay as in English."""
    locale = course / "locale"
    translate(locale, "notebooks/01-intro", {"Count what came back.": "Cuenta lo que volvió,\ncon \"comillas\".", "got back {len(replies)} replies": "volvieron {len(replies)} respuestas"})
    translate(locale, "solutions/a1", {"got {echo(1)!r}": "se obtuvo {echo(1)!r}, no 1"})
    editions.build_markdown("es", root=course, locale=locale, execute_notebooks="never")
    code = nbformat.read(course / "notebooks/es/01-intro.ipynb", 4).cells[3].source
    assert code == '# Cuenta lo que volvió,\n# con "comillas".\nreplies = [1, 2]\nprint(f"volvieron {len(replies)} respuestas")  # two of them\n'
    test_cell = nbformat.read(course / "solutions/es/a1/a1.ipynb", 4).cells[2]
    assert test_cell.source == '"""echo() returns its argument."""\nassert echo(1) == 1, f"se obtuvo {echo(1)!r}, no 1"'
    assert test_cell.metadata["nbgrader"]["grade_id"] == "test_echo"


def test_translation_with_wrong_fields_is_reported():
    """A code text whose translation drops or changes an f-string field is a catalog problem (the build would change the code)."""
    po = catalogs.new_catalog("es")
    po.append(catalogs.message("got back {len(replies)} replies", context="printed"))
    po[0].msgstr = "volvieron {replies} respuestas"
    assert catalogs.problems(po, [("printed", "got back {len(replies)} replies")])
    po[0].msgstr = "{len(replies)} respuestas volvieron"  # moving a field is fine
    assert not catalogs.problems(po, [("printed", "got back {len(replies)} replies")])


def test_old_code_entries_keep_their_translation():
    """A quiz text extracted before code texts had a msgctxt keeps its translation under the new key."""
    template = catalogs.new_catalog()
    template.append(catalogs.message("Which port?", context="quiz", comment="code in cell q, line 2: ..."))
    old = catalogs.new_catalog("es")
    old.append(catalogs.message("Which port?", comment="code in cell q"))
    old[0].msgstr = "¿Qué puerto?"
    merged = catalogs.merge(template, old, "es")
    assert [(e.msgctxt, e.msgstr, e.fuzzy, e.obsolete) for e in merged] == [("quiz", "¿Qué puerto?", False, False)]


def test_helpers_read_only_their_own_catalog(course, monkeypatch):
    """At run time helpers translate only helpers.po messages: a lesson catalog's texts are already in the edition's code."""
    from helpers import messages

    locale = course / "locale"
    helpers_po = catalogs.new_catalog("es")
    helpers_po.append(catalogs.message("Check"))
    helpers_po[0].msgstr = "Comprobar"
    catalogs.save(helpers_po, locale / "es/helpers.po")
    lesson_po = catalogs.new_catalog("es")
    lesson_po.append(catalogs.message("Which port?"))
    lesson_po[0].msgstr = "¿Qué puerto?"
    catalogs.save(lesson_po, locale / "es/notebooks/01-intro.po")
    monkeypatch.setattr(messages, "CATALOG_DIR", locale)
    messages._translations.cache_clear()
    previous = messages.get_language()
    messages.set_language("es")
    try:
        assert messages._("Check") == "Comprobar"
        assert messages._("Which port?") == "Which port?"
    finally:
        messages.set_language(previous)
        messages._translations.cache_clear()
