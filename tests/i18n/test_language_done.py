"""Every word a student reads is in the edition's language: stored outputs, code cells and web pages.

These checks apply to the languages listed in ``i18n_support.CODE_TEXT_LANGUAGES``
(the lead adds one when its code-text translations have landed); the
self-tests below run them on a throw-away course and on purpose-broken
copies of real edition files, so they are known to fail when they should.
JupyterLab labels are checked by test_jupyterlab_labels.py, rendering by
test_rendering.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from i18n_support import CODE_TEXT_LANGUAGES, ROOT

import language_done
from course_i18n import catalogs, code_rules, editions, execute, extraction, layout, web_pages

SOURCES = layout.source_notebooks()
PAIRS = [(lang, source) for lang in CODE_TEXT_LANGUAGES for source in SOURCES]
PAGE = ROOT / "notebooks" / "en" / "web" / "ws-page.html"


def pair_id(pair):
    return f"{pair[0]}:{layout.catalog_name(pair[1])}"


def code_fragments(source: Path, lang: str, locale: Path = layout.LOCALE, root: Path = ROOT) -> list[str]:
    name = layout.catalog_name(source, root)
    return language_done.english_fragments(catalogs.load(layout.catalog_path(lang, name, locale)), set(code_rules.ROLES))


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_outputs_speak_the_language(pair, detector):
    """The edition's stored outputs show no English the course prints (Python's and protocol text excepted)."""
    lang, source = pair
    edition = language_done.read(layout.edition_path(source, lang))
    problems = language_done.output_problems(edition, lang, detector, language_done.notebook_fragments(source, lang),
                                             language_done.kept_texts(source, lang))
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_code_speaks_the_language(pair, detector):
    """The edition's code cells have no English comment, docstring or untranslated code text."""
    lang, source = pair
    edition = language_done.read(layout.edition_path(source, lang))
    problems = language_done.code_problems(edition, language_done.read(source), lang, detector, code_fragments(source, lang))
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("lang", CODE_TEXT_LANGUAGES)
def test_web_pages_speak_the_language(lang, detector):
    """Every web page of the edition has lang="<lang>" and no untranslated text or comment."""
    for page in web_pages.pages():
        edition = ROOT / "notebooks" / lang / page.relative_to(ROOT / "notebooks" / "en")
        problems = language_done.page_problems(edition.read_text(encoding="utf-8"), page.read_text(encoding="utf-8"), lang, detector)
        assert not problems, f"{edition.relative_to(ROOT)}:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- the checks can fail

SPANISH = {
    "Count what came back.": "Cuenta las respuestas que volvieron del servidor de eco.",
    "got back {len(replies)} replies": "volvieron {len(replies)} respuestas del servidor",
    "two of them": "son dos respuestas en total",
    "Hidden helper text that nobody prints here.": "Texto auxiliar oculto que nadie imprime aquí.",
}


@pytest.fixture(scope="module")
def spanish_course(tmp_path_factory):
    """A throw-away course with one lesson translated into Spanish, built and executed (a real kernel)."""
    root = tmp_path_factory.mktemp("done-course")
    lesson = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    lesson.cells = [
        nbformat.v4.new_markdown_cell("# Replies", id="intro"),
        nbformat.v4.new_code_cell(
            '# Count what came back.\nreplies = [1, 2]\nprint(f"got back {len(replies)} replies")  # two of them\n', id="demo"
        ),
    ]
    (root / "notebooks/en").mkdir(parents=True)
    nbformat.write(lesson, root / "notebooks/en/01-replies.ipynb")
    (root / "locale/es").mkdir(parents=True)
    extraction.extract_all(["es"], root=root, locale=root / "locale")
    path = root / "locale/es/notebooks/01-replies.po"
    po = catalogs.load(path)
    for entry in po:
        entry.msgstr = SPANISH.get(entry.msgid, "# Respuestas" if entry.msgid == "# Replies" else "")
    catalogs.save(po, path)
    return root


def built(course: Path, locale: Path):
    source = course / "notebooks/en/01-replies.ipynb"
    edition = editions.edition_notebook(source, "es", course, locale)
    folder = course / "notebooks/es"
    folder.mkdir(parents=True, exist_ok=True)
    execute.run(edition, folder)
    return source, edition


def test_a_translated_edition_passes(spanish_course, detector):
    """A fully translated, executed edition shows no English in its outputs or code."""
    source, edition = built(spanish_course, spanish_course / "locale")
    fragments = code_fragments(source, "es", spanish_course / "locale", spanish_course)
    assert set(fragments) == {"Count what came back", "got back", "two of them"}  # what the edition must not show
    assert edition.cells[1].outputs[0].text == "volvieron 2 respuestas del servidor\n"
    assert language_done.output_problems(edition, "es", detector, ["got back", "servers running"]) == []
    assert language_done.code_problems(edition, nbformat.read(source, 4), "es", detector, fragments) == []


def test_an_untranslated_print_label_and_comment_fail(spanish_course, tmp_path, detector):
    """A print label and a comment left in English are found in the outputs and in the code (catalog and lingua)."""
    locale = tmp_path / "locale"
    shutil.copytree(spanish_course / "locale", locale)
    path = locale / "es/notebooks/01-replies.po"
    po = catalogs.load(path)
    for entry in po:
        if entry.msgid in ("got back {len(replies)} replies", "Count what came back."):
            entry.msgstr = ""
    catalogs.save(po, path)
    source, edition = built(spanish_course, locale)
    fragments = code_fragments(source, "es", locale, spanish_course)
    assert "got back" in fragments
    outputs = language_done.output_problems(edition, "es", detector, fragments)
    assert outputs and "untranslated 'got back'" in outputs[0]
    code = language_done.code_problems(edition, nbformat.read(source, 4), "es", detector, fragments)
    assert any("untranslated 'Count what came back'" in problem for problem in code)


def test_purpose_broken_edition_files_fail(tmp_path, detector):
    """An English sentence pasted into a real edition's output and an English comment in its code are reported."""
    source = ROOT / "notebooks/en/05-udp.ipynb"
    edition = language_done.read(layout.edition_path(source, "es"))
    cell = next(cell for cell in edition.cells if cell.cell_type == "code" and cell.get("outputs"))
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="The server received every datagram that the client sent to it.\n")]
    cell.source = "# This comment explains in plain English what the next line does.\n" + cell.source
    assert any("English output" in problem for problem in language_done.output_problems(edition, "es", detector, []))
    assert any("English comment" in problem for problem in language_done.code_problems(edition, language_done.read(source), "es", detector, []))


def test_allowed_english_is_python_and_protocol_text():
    """Python's exception text, errno messages, protocol replies, reprs and bytes are removed before judging a line."""
    assert language_done.strip_allowed("TypeError: a bytes-like object is required, not 'str'").strip() == ""
    assert language_done.strip_allowed("falló: [Errno 107] Transport endpoint is not connected").strip() == "falló:"
    assert language_done.strip_allowed("226 Transfer complete.").strip() == ""
    assert language_done.strip_allowed("respuesta: b'Hello, TCP!'").strip() == "respuesta:"
    assert language_done.strip_allowed("the server received 20 datagrams") == "the server received 20 datagrams"


def test_page_checks_fail_on_english_and_pass_on_a_translated_page(detector):
    """The page check finds lang="en" and untranslated texts, and accepts a page whose texts are all translated."""
    english = PAGE.read_text(encoding="utf-8")
    problems = language_done.page_problems(english, english, "es", detector)
    assert 'the page does not say <html lang="es">' in problems and any("untranslated 'connected'" in p for p in problems)
    texts = web_pages.page_texts(english)
    spanish = {text.key: f"texto traducido número {number} para la página de ejemplo" for number, text in enumerate(texts)}
    assert language_done.page_problems(web_pages.localise(english, texts, spanish, "es"), english, "es", detector) == []
