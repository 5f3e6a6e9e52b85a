#!/usr/bin/env python3
"""Translation pipeline of the course: one English source, gettext catalogs, generated editions.

Commands (run from the repository root with the course's venv):

  .venv/bin/python tools/i18n.py extract          refresh locale/*.pot and merge into every locale/<lang>/
  .venv/bin/python tools/i18n.py extract-helpers  the same, only for helper messages (helpers.pot/.po)
  .venv/bin/python tools/i18n.py build es         write notebooks/es (web pages too), solutions/es (executed), exercises/es
  .venv/bin/python tools/i18n.py check [es ...]   every translation test (pytest tests/i18n) + nbval of notebooks/<lang>
  .venv/bin/python tools/i18n.py status [es]      how much of each catalog is translated
  .venv/bin/python tools/i18n.py labels [es]      the JupyterLab labels the text quotes, as each language pack shows them

A new language is a new folder locale/<tag>/, then `extract`, translate, `build <tag>`
(see docs/translators.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tools/ holds the course_i18n package

from course_i18n import catalogs, editions, extraction, layout, web_pages  # noqa: E402


def command_extract(args) -> int:
    changed = extraction.extract_all(args.lang or None)
    for path in changed:
        print("updated", layout.source_relative(path))
    print(f"{len(changed)} file(s) updated; languages: {', '.join(args.lang or layout.languages())}")
    return 0


def command_extract_helpers(args) -> int:
    changed = extraction.extract_helpers(args.lang or None)
    for path in changed:
        print("updated", layout.source_relative(path))
    print(f"{len(changed)} file(s) updated")
    return 0


def command_build(args) -> int:
    from course_i18n import release

    lang = args.lang
    if lang == layout.SOURCE_LANG or lang not in layout.languages():
        print(f"unknown language {lang!r}: create locale/{lang}/ first (languages: {layout.languages()})")
        return 2
    for path in editions.remove_stale(lang):
        print("removed", layout.source_relative(path))
    for path in editions.copy_assets(lang):
        print("copied", layout.source_relative(path))
    for path in web_pages.build(lang):
        print("wrote", layout.source_relative(path))
    for path in editions.build_markdown(lang, execute_notebooks=args.execute):
        print("wrote", layout.source_relative(path))
    if not args.no_release:
        for path in release.release(lang):
            print("released", layout.source_relative(path))
    return 0


def command_check(args) -> int:
    langs = args.lang or layout.languages()
    targets = ["tests/i18n"] + [f"notebooks/{lang}" for lang in langs if (layout.ROOT / "notebooks" / lang).is_dir()]
    command = [sys.executable, "-m", "pytest", "-q", *targets, *args.pytest_args]
    print(" ".join(command))
    return subprocess.call(command, cwd=layout.ROOT)


def command_status(args) -> int:
    for lang in args.lang or layout.languages():
        for path in sorted((layout.LOCALE / lang).rglob("*.po")):
            po = catalogs.load(path)
            active = [entry for entry in po if not entry.obsolete]
            fuzzy = sum(1 for entry in active if entry.fuzzy)
            done = sum(1 for entry in active if catalogs.is_translated(entry) and not entry.fuzzy)
            print(
                f"{layout.source_relative(path):55} {done:4}/{len(active):<4} translated"
                f"{f', {fuzzy} fuzzy' if fuzzy else ''}{f', {len(po) - len(active)} obsolete' if len(po) > len(active) else ''}"
            )
    return 0


def command_labels(args) -> int:
    from course_i18n import jupyterlab_labels, notebook_text

    quotes: dict[str, list[str]] = {}
    for source in layout.source_notebooks():
        for cell in notebook_text.read(source).cells:
            if cell.cell_type == "markdown":
                for steps in jupyterlab_labels.quoted_paths(cell.source):
                    quotes.setdefault(" ▸ ".join(steps), []).append(f"{layout.catalog_name(source)} cell {cell.get('id')}")
    for lang in args.lang or [lang for lang in layout.languages() if lang in jupyterlab_labels.PACKS]:
        print(f"## {lang} (jupyterlab-language-pack-{jupyterlab_labels.PACKS[lang].replace('_', '-')})")
        for path, places in quotes.items():
            steps = jupyterlab_labels.SEPARATORS.split(path)
            shown = [
                jupyterlab_labels.translation(jupyterlab_labels.label(step, "menu" if position == 0 and len(steps) > 1 else ""), lang)
                for position, step in enumerate(steps)
            ]
            print(f"- English **{path}** -> write **{' ▸ '.join(shown)}** ({len(places)}: {', '.join(places)})")
        print()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tools/i18n.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, function, text in (
        ("extract", command_extract, "refresh every template and catalog from the English sources"),
        ("extract-helpers", command_extract_helpers, "refresh helpers.pot and each helpers.po"),
    ):
        one = sub.add_parser(name, help=text)
        one.add_argument("lang", nargs="*", help="only these languages (default: every folder of locale/)")
        one.set_defaults(function=function)
    build = sub.add_parser("build", help="write notebooks/LANG, solutions/LANG and exercises/LANG")
    build.add_argument("lang")
    build.add_argument(
        "--execute", choices=("changed", "all", "never"), default="changed",
        help="run notebooks whose code changed (default), all of them (after helper messages changed), or none",
    )
    build.add_argument("--no-release", action="store_true", help="skip nbgrader generate_assignment")
    build.set_defaults(function=command_build)
    check = sub.add_parser("check", help="run the translation tests and nbval on the editions")
    check.add_argument("lang", nargs="*")
    check.add_argument("--pytest-args", nargs=argparse.REMAINDER, default=[], help="extra pytest arguments")
    check.set_defaults(function=command_check)
    status = sub.add_parser("status", help="translated / fuzzy / obsolete counts per catalog")
    status.add_argument("lang", nargs="*")
    status.set_defaults(function=command_status)
    labels = sub.add_parser("labels", help="JupyterLab labels the text quotes, as each language pack shows them")
    labels.add_argument("lang", nargs="*")
    labels.set_defaults(function=command_labels)
    args = parser.parse_args(argv)
    return args.function(args)


if __name__ == "__main__":
    sys.exit(main())
