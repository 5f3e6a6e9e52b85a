"""Generated editions (notebooks/<lang>, solutions/<lang>, exercises/<lang>) match the English source."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys

import nbformat
import pytest
from i18n_support import EDITIONS, ROOT

from course_i18n import code_text, editions, language_check, layout, notebook_text, release, web_pages

SOURCES = layout.source_notebooks()
PAIRS = [(lang, source) for lang in EDITIONS for source in SOURCES]


def pair_id(pair):
    lang, source = pair
    return f"{lang}:{layout.catalog_name(source)}"


def files_under(folder):
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not layout.IGNORED_NAMES.intersection(path.relative_to(folder).parts)
    )


@pytest.mark.parametrize("lang", EDITIONS)
def test_edition_is_up_to_date(lang, tmp_path):
    """Rebuilding the edition from sources + catalogs (outputs aside) gives exactly the committed files, web pages included."""
    editions.copy_assets(lang, out=tmp_path)
    web_pages.build(lang, out=tmp_path)
    editions.build_markdown(lang, out=tmp_path, execute_notebooks="never", report=lambda _line: None)
    stale = []
    for area in layout.AREAS:
        built, committed = tmp_path / area / lang, ROOT / area / lang
        expected = files_under(built) if built.is_dir() else []
        present = files_under(committed) if committed.is_dir() else []
        assert present == expected, f"{area}/{lang}: run `tools/i18n.py build {lang}` (files differ)"
        for name in expected:
            if name.endswith(".ipynb"):
                same = editions.same_content(nbformat.read(built / name, 4), nbformat.read(committed / name, 4))
            else:
                same = filecmp.cmp(built / name, committed / name, shallow=False)
            if not same:
                stale.append(f"{area}/{lang}/{name}")
    assert not stale, f"out of date, run `tools/i18n.py build {lang}`: {stale}"


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_cells_and_nbgrader_metadata_match_english(pair):
    """Same cells in the same order; ids and all cell metadata (nbgrader included) identical to English; raw cells identical."""
    lang, source = pair
    english = nbformat.read(source, 4)
    path = layout.edition_path(source, lang)
    assert path.exists(), f"missing {path.relative_to(ROOT)}: run `tools/i18n.py build {lang}`"
    edition = nbformat.read(path, 4)
    assert [(c.cell_type, c.get("id")) for c in edition.cells] == [(c.cell_type, c.get("id")) for c in english.cells]
    for mine, theirs in zip(edition.cells, english.cells):
        assert mine.metadata == theirs.metadata, f"cell {theirs.get('id')}: metadata differs"
        if theirs.cell_type == "raw":
            assert mine.source == theirs.source, f"cell {theirs.get('id')}: raw cell differs"
    assert {k: v for k, v in edition.metadata.items() if k != "widgets"} == {
        k: v for k, v in english.metadata.items() if k != "widgets"
    }


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_code_equals_english_but_for_texts(pair):
    """Every code cell compiles and equals the English cell once comment and string text is masked (same tokens, same f-string fields)."""
    lang, source = pair
    english = notebook_text.read(source)
    edition = notebook_text.read(layout.edition_path(source, lang))
    wrong = []
    for index, texts in notebook_text.code_texts(english).items():
        mine, theirs = edition.cells[index].source, english.cells[index].source
        if not code_text.compiles(mine):
            wrong.append(f"cell {english.cells[index].get('id')}: does not compile")
        elif code_text.masked_tokens(mine, texts) != code_text.masked_tokens(theirs, texts):
            wrong.append(f"cell {english.cells[index].get('id')}: code differs from English beyond its texts")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("pair", [pair for pair in PAIRS if pair[1].is_relative_to(ROOT / "notebooks")], ids=pair_id)
def test_lesson_edition_is_stored_executed(pair):
    """An edition of an executed lesson is stored executed too (counts 1, 2, 3 ...), so nbval checks its outputs."""
    lang, source = pair
    english = nbformat.read(source, 4)
    if not any(cell.get("execution_count") for cell in english.cells if cell.cell_type == "code"):
        pytest.skip("the English lesson is stored without outputs")
    edition = nbformat.read(layout.edition_path(source, lang), 4)
    counts = [cell.execution_count for cell in edition.cells if cell.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_markdown_is_in_the_language(pair, detector):
    """Every markdown cell of an edition reads in its language (lingua; cells too short to judge are skipped)."""
    lang, source = pair
    edition = nbformat.read(layout.edition_path(source, lang), 4)
    wrong = []
    for cell in edition.cells:
        if cell.cell_type == "markdown":
            found = detector.mismatch(cell.source, lang)
            if found:
                wrong.append(f"cell {cell.get('id')} looks {found}: {cell.source[:70]!r}")
    assert not wrong, "\n".join(wrong)


def exercise_pairs():
    for lang in EDITIONS:
        for assignment in release.assignments(lang):
            for notebook in sorted((ROOT / "solutions" / lang / assignment).glob("*.ipynb")):
                yield lang, assignment, notebook.name


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    """Release of every edition language into a temporary folder, as tools/release_exercises.py makes it (one nbgrader run per language)."""
    made = {}

    def release_of(lang):
        if lang not in made:
            scratch = tmp_path_factory.mktemp(f"release-{lang}")
            environment = release.release_tool().nbgrader_environment(lang)
            environment.pop("NBGRADER_EXECUTION", None)
            command = [
                sys.executable, "-m", "nbgrader", "generate_assignment", "*", "--force",
                f"--CourseDirectory.db_url=sqlite:///{scratch / 'gradebook.db'}",
                f"--CourseDirectory.release_directory={scratch / 'release'}",
            ]
            result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
            assert result.returncode == 0, result.stdout + result.stderr
            made[lang] = scratch / "release"
        return made[lang]

    return release_of


@pytest.mark.parametrize(("lang", "assignment", "name"), list(exercise_pairs()))
def test_released_exercise_is_current(lang, assignment, name, fresh_release):
    """exercises/<lang> is what nbgrader generates now from solutions/<lang> (with the language's stubs)."""
    committed = ROOT / "exercises" / lang / assignment / name
    assert committed.exists(), f"missing {committed.relative_to(ROOT)}: run `tools/i18n.py build {lang}`"
    fresh = json.loads((fresh_release(lang) / assignment / name).read_text(encoding="utf-8"))
    stored = json.loads(committed.read_text(encoding="utf-8"))
    assert stored == fresh, f"out of date: run `tools/i18n.py build {lang}`"


@pytest.mark.parametrize(("lang", "assignment", "name"), list(exercise_pairs()))
def test_released_exercise_has_localised_stubs(lang, assignment, name):
    """Student notebooks carry the language's '# YOUR CODE HERE' stub, never the English one."""
    from helpers.messages import _, set_language, get_language

    previous = get_language()
    set_language(lang)
    try:
        stub = _("# YOUR CODE HERE")
    finally:
        set_language(previous)
    notebook = nbformat.read(ROOT / "exercises" / lang / assignment / name, 4)
    solution_cells = [cell for cell in notebook.cells if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and cell.cell_type == "code"]
    assert solution_cells, "no solution cell in the release"
    assert all(stub in cell.source and "# YOUR CODE HERE" not in cell.source for cell in solution_cells)


def test_detector_is_built_from_course_languages_only(detector):
    """The detector knows English and the course languages only (fast, and sharp between them)."""
    assert set(detector.tags.values()) == {"en", *layout.languages()}
    assert isinstance(detector, language_check.Detector)
