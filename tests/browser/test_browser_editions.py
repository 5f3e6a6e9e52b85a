"""Every edition in JupyterLab in its own language: a lesson and an exercise, as a student sees them.

For es, fr, id and zh-TW, JupyterLab runs with that language pack. The
student's first lesson is run from a clean state and must show no error; the
rendered markdown of the lesson and of an exercise must have no markup left
over (literal ``**``, backticks) and, in Chinese, no space inside a sentence;
the exercise's stub is the edition's; the menu names the lessons quote are the
ones this JupyterLab shows, translated wherever the pack translates them.
Screenshots of both go to test-artifacts/browser/views/editions/ for review
(zh-TW with Debian's Noto CJK fonts, which tools/course test installs).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from labpage import assert_no_errors, code_cells, open_notebook, run_all_fresh
from labpaths import ROOT, VIEWS
from labserver import LabServer

sys.path.insert(0, str(ROOT / "tools"))
from course_i18n import catalogs, jupyterlab_labels, layout  # noqa: E402

EDITIONS = ["es", "fr", "id", "zh-TW"]
LESSON = "00-start-here"
EXERCISE = "a1-sockets"
#: The command behind each quoted menu item (a command's label is what its menu item shows).
COMMANDS = {
    "Restart Kernel and Run All Cells…": "notebook:restart-run-all",
    "Interrupt Kernel": "notebook:interrupt-kernel",
    "Run All Cells": "notebook:run-all-cells",
}
#: Markup that a renderer would have consumed, left in the rendered text.
LEFT_OVER = re.compile(r"\*\*|`")
#: A space between two Chinese characters (or full-width punctuation): a line break kept from English.
CJK_GAP = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef] +[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module", params=EDITIONS)
def edition_lab(request, tmp_path_factory, course_copy):
    """JupyterLab on the course copy with the edition's language pack."""
    lang = request.param
    locale = jupyterlab_labels.PACKS[lang]
    server = LabServer(course_copy, tmp_path_factory.mktemp(f"lab-{lang}"),
                       settings={"@jupyterlab/translation-extension:plugin": {"locale": locale}})
    server.start()
    server.lang = lang
    yield server
    server.stop()


@pytest.fixture
def edition_page(request, new_context, edition_lab):
    request.node.lab_for_log = edition_lab
    tab = new_context(locale=jupyterlab_labels.PACKS[edition_lab.lang].replace("_", "-")).new_page()
    response = tab.goto(edition_lab.url("api/me"))
    assert response is not None and response.ok
    yield tab
    edition_lab.shutdown_kernels()


def rendered_markdown(page) -> list[str]:
    """The prose of every rendered markdown cell of the notebook in front (JupyterLab's own renderer).

    Code (inline and blocks) becomes the placeholder "CODE": what is inside code is not prose, and the
    space a writer puts between a Chinese word and a code span is not a space inside a sentence.
    """
    cells = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .jp-RenderedMarkdown")
    expect(cells.first).to_be_visible()
    return cells.evaluate_all(
        """(nodes) => nodes.map((node) => {
             const copy = node.cloneNode(true);
             copy.querySelectorAll('code, pre').forEach((code) => code.replaceWith('CODE'));
             document.body.appendChild(copy);
             const text = copy.innerText;
             copy.remove();
             return text;
           })"""
    )


def markup_problems(texts: list[str], lang: str) -> list[str]:
    """Rendered texts with markup left over or, in Chinese, a space inside a sentence."""
    problems = []
    for number, text in enumerate(texts):
        if LEFT_OVER.search(text):
            problems.append(f"markdown cell {number}: {LEFT_OVER.search(text).group()!r} in {text[:120]!r}")
        if lang == "zh-TW" and CJK_GAP.search(text):
            problems.append(f"markdown cell {number}: space inside a sentence near {CJK_GAP.search(text).group()!r}")
    return problems


def save(page, lang: str, name: str) -> Path:
    folder = VIEWS / "editions"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{lang}-{name}.png"
    page.screenshot(path=path)
    return path


def test_first_lesson_runs_and_renders_in_the_edition(edition_page, edition_lab):
    """The edition's first lesson runs with no error and renders with no leftover markup, in its own language."""
    lang = edition_lab.lang
    open_notebook(edition_page, edition_lab, f"notebooks/{lang}/{LESSON}.ipynb")
    run_all_fresh(edition_page)
    assert_no_errors(edition_page)
    texts = rendered_markdown(edition_page)
    assert not markup_problems(texts, lang)
    english = (ROOT / "notebooks" / "en" / f"{LESSON}.ipynb").read_text(encoding="utf-8")
    assert "What you'll learn" in english and not any("What you'll learn" in text for text in texts)
    edition_page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first.scroll_into_view_if_needed()
    assert save(edition_page, lang, "lesson").stat().st_size > 10_000


def test_exercise_opens_with_the_editions_stub(edition_page, edition_lab):
    """The edition's exercise renders with no leftover markup and its code cells hold the edition's stub."""
    lang = edition_lab.lang
    open_notebook(edition_page, edition_lab, f"exercises/{lang}/{EXERCISE}/{EXERCISE}.ipynb")
    assert not markup_problems(rendered_markdown(edition_page), lang)
    stub = catalogs.translations(catalogs.load(layout.catalog_path(lang, layout.HELPERS_DOMAIN)))["# YOUR CODE HERE"]
    editors = edition_page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .cm-content")
    sources = editors.all_inner_texts()
    assert any(stub in source for source in sources), stub
    assert not any("# YOUR CODE HERE" in source for source in sources)
    assert save(edition_page, lang, "exercise").stat().st_size > 10_000


def test_quoted_menu_labels_are_what_this_jupyterlab_shows(edition_page, edition_lab):
    """The Kernel and Run menus and the quoted commands read in JupyterLab as the lessons quote them, translated where the pack has it."""
    lang = edition_lab.lang
    open_notebook(edition_page, edition_lab, f"notebooks/{lang}/{LESSON}.ipynb")
    menus = [text.strip() for text in edition_page.locator(".lm-MenuBar-itemLabel").all_inner_texts()]
    quoted = "\n".join(
        text for path in sorted((ROOT / "notebooks" / lang).glob("*.ipynb")) for text in [path.read_text(encoding="utf-8")]
    )
    for title in ("Kernel", "Run"):
        shown = jupyterlab_labels.translation(jupyterlab_labels.label(title, "menu"), lang)
        assert shown in menus, (title, shown, menus)
    untranslated = []
    for english, command in COMMANDS.items():
        live = edition_page.evaluate("([id]) => window.jupyterapp.commands.label(id)", [command])
        item = jupyterlab_labels.label(english)
        assert live.rstrip("…").rstrip(".") == jupyterlab_labels.translation(item, lang).rstrip("…").rstrip("."), (english, live)
        if live.rstrip("…") == english.rstrip("…"):
            untranslated.append(english)
        if english != "Run All Cells":  # quoted as "Run All" in some lessons
            assert jupyterlab_labels.expected(item, lang).search(quoted), f"the {lang} lessons never quote {live!r}"
    # Every pack the course uses translates these three items: an English one means the pack did not load.
    assert not untranslated, untranslated


#: Lessons stored with sequence diagrams (``srv.trace()``), and the id of the cell that draws the first one.
DIAGRAM_LESSONS = {"04-tcp": "04-t02", "05-udp": "05-t02"}


def trust_notebook(page) -> None:
    """Trust the notebook in front, as a student does with the Trust Notebook command.

    JupyterLab shows a stored SVG output only in a trusted notebook (an untrusted one gets the
    output's text form instead), and a notebook the student has not run yet is not trusted.
    """
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:trust'); }")  # it waits for the dialog
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0)


def stored_diagram(page, lab, lang: str, lesson: str, cell_id: str) -> dict:
    """Open a lesson without running it, trust it, and return the size of its trace cell's picture."""
    open_notebook(page, lab, f"notebooks/{lang}/{lesson}.ipynb")
    trust_notebook(page)
    stored = json.loads((ROOT / "notebooks" / lang / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    code_ids = [cell["id"] for cell in stored["cells"] if cell["cell_type"] == "code"]
    cell = code_cells(page).nth(code_ids.index(cell_id))
    image = cell.locator(".jp-OutputArea-output.jp-RenderedSVG img")
    expect(image).to_have_count(1)
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    size = image.evaluate("(img) => ({width: img.naturalWidth, height: img.naturalHeight, shown: img.getBoundingClientRect().height})")
    return size


def check_diagrams(page, lab, lang: str) -> None:
    for lesson, cell_id in DIAGRAM_LESSONS.items():
        size = stored_diagram(page, lab, lang, lesson, cell_id)
        assert size["width"] > 0 and size["height"] > 0 and size["shown"] > 0, (lesson, size)
        assert save(page, lang, f"{lesson}-diagram").stat().st_size > 10_000


def test_stored_sequence_diagrams_show_in_the_edition(edition_page, edition_lab):
    """Lessons 04 and 05 of the edition, opened without running, show their stored sequence diagrams as images."""
    check_diagrams(edition_page, edition_lab, edition_lab.lang)


def test_stored_sequence_diagrams_show_in_english(page, lab):
    """Lessons 04 and 05 in English, opened without running, show their stored sequence diagrams as images."""
    check_diagrams(page, lab, "en")
