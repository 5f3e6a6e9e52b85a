"""The helpers package's messages are complete in every language and read in it at run time."""

from __future__ import annotations

import ast
import socket

import polib
import pytest

import helpers
from i18n_support import LANGUAGES, ROOT
from course_i18n import catalogs, helper_messages, layout

EXTRACTED = helper_messages.extract()


def test_extraction_finds_the_helper_messages():
    """Babel's extractor finds the marked messages of helpers/ (keywords _ and N_)."""
    assert "Port {port} is out of range: use 0 to 65535 (0 lets the system choose)." in EXTRACTED
    assert "echo server" in EXTRACTED  # marked with N_()
    assert len(EXTRACTED) > 40


def test_template_is_current():
    """locale/helpers.pot holds exactly the messages in helpers/ (run `tools/i18n.py extract-helpers`)."""
    template = polib.pofile(str(layout.template_path(layout.HELPERS_DOMAIN)))
    assert {entry.msgid for entry in template if not entry.obsolete} == set(EXTRACTED)


def test_every_marked_literal_is_extracted():
    """Every _("...") / N_("...") / translated(lang, "...") literal reaches the catalogs (none hidden from Babel, e.g. inside an f-string)."""
    missed = []
    files = sorted(path for source in helper_messages.SOURCES for path in ([ROOT / source] if source.endswith(".py") else (ROOT / source).rglob("*.py")))
    for path in files:
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            position = {"_": 0, "N_": 0, "translated": 1}.get(name)
            if position is None or len(node.args) <= position:
                continue
            message = node.args[position]
            if isinstance(message, ast.Constant) and isinstance(message.value, str) and message.value not in EXTRACTED:
                missed.append(f"{path.name}:{node.lineno}: {message.value!r}")
    assert not missed, "marked but not extracted (move the _() call out of the f-string): " + "; ".join(missed)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete(lang):
    """Every helper message is translated in the language, not fuzzy, with identical {placeholders}."""
    catalog = catalogs.load(layout.catalog_path(lang, layout.HELPERS_DOMAIN))
    assert catalog is not None, f"missing locale/{lang}/helpers.po"
    found = catalogs.problems(catalog, sorted(EXTRACTED), format_fields=True)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_header_names_the_language(lang):
    """The catalog's Language header is gettext's spelling of the folder's tag (zh-TW -> zh_TW)."""
    catalog = catalogs.load(layout.catalog_path(lang, layout.HELPERS_DOMAIN))
    assert catalog.metadata["Language"] == layout.gettext_language(lang)
    assert "charset=UTF-8" in catalog.metadata["Content-Type"]


@pytest.fixture
def language_restored():
    """Put the helpers back to English and the default socket timeout after the test."""
    timeout = socket.getdefaulttimeout()
    yield
    helpers.setup(lang="en")
    socket.setdefaulttimeout(timeout)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_errors_read_in_the_chosen_language(lang, language_restored):
    """After helpers.setup(lang=...), a real port error and a real refused connection are explained in that language."""
    english = "Port {port} is out of range: use 0 to 65535 (0 lets the system choose)."
    translated = catalogs.translations(catalogs.load(layout.catalog_path(lang, layout.HELPERS_DOMAIN)))
    settings = helpers.setup(lang=lang)
    assert settings.lang == lang
    with pytest.raises(helpers.PortRangeError) as raised:
        helpers.check_port(70000)
    assert str(raised.value) == translated[english].format(port=70000) != english.format(port=70000)

    # A port with a bound but not listening socket refuses connections: a real ConnectionRefusedError.
    with socket.socket() as closed_door:
        closed_door.bind(("127.0.0.1", 0))
        with pytest.raises(ConnectionRefusedError) as refused:
            socket.create_connection(closed_door.getsockname(), timeout=5).close()
    hint = helpers.explain(refused.value)
    assert hint and hint == translated[next(m for m in EXTRACTED if m.startswith("Connection refused:"))]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_dead_connection_error_has_its_own_hint(lang, language_restored):
    """BrokenPipeError, ConnectionResetError and Windows' ConnectionAbortedError each get a distinct hint in the language."""
    helpers.setup(lang=lang)
    errors = [BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset"), ConnectionAbortedError(10053, "aborted")]
    hints = [helpers.explain(error) for error in errors]
    assert all(hints) and len(set(hints)) == 3, hints
    if lang != "en":
        helpers.setup(lang="en")
        assert all(hint != helpers.explain(error) for hint, error in zip(hints, errors))
