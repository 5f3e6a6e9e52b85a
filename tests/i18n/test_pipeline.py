"""The pipeline itself, on a small throw-away course: extract, merge, translate, build, links."""

from __future__ import annotations

import json

import nbformat
import pytest
from i18n_support import ROOT  # noqa: F401  (puts tools/ on sys.path)

from course_i18n import catalogs, editions, extraction, glossary, layout, links, notebook_text

LESSON_TEXT = "# Sockets\n\nA **socket** is one end of a connection."
SECOND_TEXT = "The server answers. See [the exercise](../../exercises/en/a1/a1.ipynb)."


def make_course(root):
    """A lesson (markdown, code, a raw cell, an asset) and an nbgrader assignment, in English."""
    lesson = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    lesson.cells = [
        nbformat.v4.new_markdown_cell(LESSON_TEXT, id="intro"),
        nbformat.v4.new_code_cell("import helpers\nhelpers.setup()", id="setup"),
        nbformat.v4.new_markdown_cell(SECOND_TEXT, id="second"),
        nbformat.v4.new_markdown_cell("", id="empty"),
        nbformat.v4.new_raw_cell("raw text stays", id="raw"),
    ]
    (root / "notebooks/en/web").mkdir(parents=True)
    nbformat.write(lesson, root / "notebooks/en/01-intro.ipynb")
    (root / "notebooks/en/web/index.html").write_text("<p>page</p>")
    assignment = nbformat.v4.new_notebook()
    grade = {"nbgrader": {"grade": True, "grade_id": "test_echo", "locked": True, "points": 2, "schema_version": 3, "solution": False, "task": False}}
    assignment.cells = [
        nbformat.v4.new_markdown_cell("Write `echo()`: it returns what it gets.", id="task"),
        nbformat.v4.new_code_cell("def echo(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION", id="solution",
                                  metadata={"nbgrader": {"grade": False, "grade_id": "echo", "locked": False, "schema_version": 3, "solution": True, "task": False}}),
        nbformat.v4.new_code_cell("assert echo(1) == 1", id="tests", metadata=grade),
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


def test_extract_takes_markdown_only_with_cell_ids(course):
    """Every non-empty markdown cell becomes one entry naming its cell id; code and raw cells never do."""
    po = catalogs.load(course / "locale/es/notebooks/01-intro.po")
    assert [entry.msgid for entry in po] == [LESSON_TEXT, SECOND_TEXT]
    assert po[0].comment == "cell intro" and po[0].occurrences == [("notebooks/en/01-intro.ipynb", "1")]
    assert all("helpers.setup" not in entry.msgid for entry in po)


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
    editions.build_markdown("es", root=course, locale=locale, execute_notebooks="never")

    english = nbformat.read(course / "notebooks/en/01-intro.ipynb", 4)
    spanish = nbformat.read(course / "notebooks/es/01-intro.ipynb", 4)
    assert spanish.cells[0].source == LESSON_TEXT  # untranslated: English kept
    assert spanish.cells[2].source == "El servidor responde. Mira [el ejercicio](../../exercises/es/a1/a1.ipynb)."
    assert [cell.id for cell in spanish.cells] == [cell.id for cell in english.cells]
    assert spanish.cells[1] == english.cells[1] and spanish.cells[4] == english.cells[4]
    assert spanish.metadata == english.metadata
    assert (course / "notebooks/es/web/index.html").read_text() == "<p>page</p>"

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


def test_code_strings_are_quiz_texts_and_marked_literals():
    """From code cells only Quiz(...) texts and _("...") literals are extracted, never keys, code or comments."""
    source = (
        "from helpers.quiz import Quiz\n"
        "quiz = Quiz([{'text': 'Which port?', 'options': ['80', 'any free port'], 'answer': 1}])\n"
        "print(_('Well done'))  # a comment\n"
        "x = 'not shown through the catalog'\n"
        "await something()\n"
    )
    assert notebook_text.code_strings(source) == ["Which port?", "80", "any free port", "Well done"]
    assert notebook_text.code_strings("%timeit x = 1\n_('Magic works')") == ["Magic works"]
    assert notebook_text.code_strings("def broken(:") == []


def test_code_strings_include_translate_literals():
    """helpers.translate("...") literals in a test cell are extracted like _("..."), placeholders kept, f-strings and other calls not."""
    source = (
        "for _ in range(3):\n"
        "    pass\n"
        "assert reply == b'hi', helpers.translate('got {reply!r}, expected {expected}', reply=reply, expected=2)\n"
        "raise AssertionError(translate(\"ip_version({text!r}) returned {result!r}\", text=t, result=r))\n"
        "assert ok, f'not extracted {reply}'\n"
        "table = 'abc'.translate(mapping)\n"
    )
    assert notebook_text.code_strings(source) == ["got {reply!r}, expected {expected}", "ip_version({text!r}) returned {result!r}"]


@pytest.fixture
def spanish_helpers(course, monkeypatch):
    """Point the helpers at the throw-away course's catalogs, in Spanish; return a function that adds one."""
    from helpers import messages

    locale = course / "locale"
    catalogs.save(catalogs.new_catalog("es"), locale / "es/helpers.po")
    monkeypatch.setattr(messages, "CATALOG_DIR", locale)

    def add_catalog(relative: str, english: str, spanish: str) -> None:
        po = catalogs.new_catalog("es")
        po.append(catalogs.message(english))
        po[0].msgstr = spanish
        catalogs.save(po, locale / "es" / relative)
        messages._translations.cache_clear()

    previous = messages.get_language()
    messages.set_language("es")
    yield add_catalog
    messages.set_language(previous)
    messages._translations.cache_clear()


def test_helpers_translate_reads_solution_catalogs(spanish_helpers):
    """helpers.translate fills the placeholders of the Spanish text found in a solution catalog; English stays the fallback."""
    import helpers

    spanish_helpers("solutions/a2-tcp-client.po", "got {count} bytes back, sent {sent}", "recibiste {count} bytes de vuelta; enviaste {sent}")
    assert helpers.translate("got {count} bytes back, sent {sent}", count=3, sent=5) == "recibiste 3 bytes de vuelta; enviaste 5"
    assert helpers.translate("not in any catalog: {n}", n=1) == "not in any catalog: 1"


def test_helpers_read_texts_from_lesson_catalogs(spanish_helpers):
    """helpers.messages._ finds a quiz text translated in a lesson catalog (not only in helpers.po)."""
    from helpers import messages

    spanish_helpers("notebooks/01-intro.po", "Which port?", "¿Qué puerto?")
    assert messages._("Which port?") == "¿Qué puerto?"
