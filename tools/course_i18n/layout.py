"""Where the English sources, the catalogs and the generated editions live.

Sources:   notebooks/en/*.ipynb, solutions/en/<assignment>/*.ipynb, helpers/*.py
Templates: locale/helpers.pot, locale/notebooks/<stem>.pot, locale/solutions/<assignment>.pot, locale/web/<page>.pot
Catalogs:  locale/<lang>/helpers.po, locale/<lang>/notebooks/<stem>.po, locale/<lang>/solutions/<assignment>.po,
           locale/<lang>/web/<page>.po (notebooks/en/web/<page>.html)
Editions:  notebooks/<lang>/, solutions/<lang>/ (built), exercises/<lang>/ (released by nbgrader)

Typical use::

    from course_i18n import layout
    layout.languages()                                  # ['es', 'fr', 'id', 'zh-TW']
    layout.catalog_path("es", layout.source_notebooks()[0])
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
SOURCE_LANG = "en"
#: Folders holding notebooks in one sub-folder per language.
AREAS = ("notebooks", "solutions")
#: Catalog of the helpers package's messages (read at run time by helpers.messages).
HELPERS_DOMAIN = "helpers"
#: Catalogs of the lessons' web pages (notebooks/en/web/*.html): locale/<lang>/web/<page>.po.
PAGES_DOMAIN = "web"
#: Folders of locale/ that hold templates, not a language.
TEMPLATE_FOLDERS = {*AREAS, PAGES_DOMAIN}
#: Files and folders never copied from a source folder into an edition.
IGNORED_NAMES = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}


def languages() -> list[str]:
    """Translated languages: every folder of ``locale/`` except the template folders.

    Adding a language is creating ``locale/<tag>/`` (then ``tools/i18n.py extract``).

    Typical use::

        languages()   # -> ['es', 'fr', 'id', 'zh-TW']
    """
    if not LOCALE.is_dir():
        return []
    return sorted(
        path.name
        for path in LOCALE.iterdir()
        if path.is_dir() and path.name not in TEMPLATE_FOLDERS and not path.name.startswith(".")
    )


def gettext_language(lang: str) -> str:
    """gettext's spelling of a BCP 47 tag, for the catalog header ("zh-TW" -> "zh_TW").

    Typical use::

        gettext_language("zh-TW")   # -> "zh_TW"
    """
    return lang.replace("-", "_")


def source_notebooks(root: Path = ROOT) -> list[Path]:
    """Every English source notebook: lessons first, then assignments, sorted.

    Typical use::

        [p.name for p in source_notebooks()][:2]   # ['00-start-here.ipynb', '01-vocabulary.ipynb']
    """
    found: list[Path] = []
    for area in AREAS:
        base = root / area / SOURCE_LANG
        if base.is_dir():
            found += sorted(
                path
                for path in base.rglob("*.ipynb")
                if not IGNORED_NAMES.intersection(path.relative_to(base).parts)
            )
    return found


def area_and_relative(source: Path, root: Path = ROOT) -> tuple[str, Path]:
    """Split a source path into its area and its path inside ``<area>/en/``.

    Typical use::

        area_and_relative(ROOT / "notebooks/en/04-tcp.ipynb")   # ('notebooks', Path('04-tcp.ipynb'))
    """
    relative = source.resolve().relative_to(root.resolve())
    area, lang, *rest = relative.parts
    if area not in AREAS or lang != SOURCE_LANG or not rest:
        raise ValueError(f"{source} is not an English source notebook under {AREAS}")
    return area, Path(*rest)


def catalog_name(source: Path, root: Path = ROOT) -> str:
    """Catalog name (no suffix) for a source notebook, shared by every language.

    ``solutions/en/a1-sockets/a1-sockets.ipynb`` becomes ``solutions/a1-sockets``
    (one catalog per assignment notebook); a lesson keeps its stem.

    Typical use::

        catalog_name(ROOT / "notebooks/en/04-tcp.ipynb")   # 'notebooks/04-tcp'
    """
    area, relative = area_and_relative(source, root)
    if len(relative.parts) == 2 and relative.parent.name == relative.stem:
        return f"{area}/{relative.stem}"
    return f"{area}/{relative.with_suffix('').as_posix()}"


def template_path(name: str, locale: Path = LOCALE) -> Path:
    """The ``.pot`` template for a catalog name ("helpers", "notebooks/04-tcp").

    Typical use::

        template_path("notebooks/04-tcp")   # locale/notebooks/04-tcp.pot
    """
    return locale / f"{name}.pot"


def catalog_path(lang: str, name: str, locale: Path = LOCALE) -> Path:
    """The ``.po`` catalog of ``lang`` for a catalog name.

    Typical use::

        catalog_path("es", "solutions/a1-sockets")   # locale/es/solutions/a1-sockets.po
    """
    return locale / lang / f"{name}.po"


def edition_path(source: Path, lang: str, root: Path = ROOT, out: Path | None = None) -> Path:
    """Where the ``lang`` edition of a source notebook is written (under ``out``, default the repo).

    Typical use::

        edition_path(ROOT / "notebooks/en/04-tcp.ipynb", "es")   # notebooks/es/04-tcp.ipynb
    """
    area, relative = area_and_relative(source, root)
    return (out or root) / area / lang / relative


def source_relative(path: Path, root: Path = ROOT) -> str:
    """A path relative to the repository, with forward slashes, for catalog comments.

    Typical use::

        source_relative(ROOT / "notebooks/en/04-tcp.ipynb")   # 'notebooks/en/04-tcp.ipynb'
    """
    return path.resolve().relative_to(root.resolve()).as_posix()
