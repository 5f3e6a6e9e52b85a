"""Translation pipeline of the course: English source -> gettext catalogs -> language editions.

Modules, one job each:

- ``layout``: where sources, catalogs and editions live; which languages exist.
- ``catalogs``: create, merge (fuzzy / obsolete) and read ``.po`` catalogs with polib.
- ``helper_messages``: Babel's extractor over ``helpers/*.py`` (keywords ``_`` and ``N_``).
- ``extraction``: refresh templates and merge them into every language's catalogs.
- ``notebook_text``: markdown cells and code texts of a notebook as catalog entries, and back.
- ``code_text``: comments, docstrings and string texts of code cells: extract, put back, mask for comparison.
- ``code_rules``: what is a text in code and what stays English (the rules and exceptions, in one place).
- ``web_pages``: the lessons' web pages (``notebooks/en/web/*.html``) per edition.
- ``jupyterlab_labels``: JupyterLab labels the text quotes, as each language pack translates them.
- ``rendering``: does markdown render as intended (CommonMark: literal markers, CJK stray spaces)?
- ``links``: rewrite links (and folder names in the text) to course files from ``/en/`` to ``/<lang>/``.
- ``editions``: write ``notebooks/<lang>/`` and ``solutions/<lang>/`` from sources + catalogs.
- ``execute``: run a built notebook so its stored outputs are in its language.
- ``release``: regenerate ``exercises/<lang>/`` with localised nbgrader stubs.
- ``glossary``: per-language required terms and forbidden forms.
- ``language_check``: is this prose in the expected language (lingua)?
- ``prose``: the words of a markdown text, without code, links or identifiers.
- ``structure``: does a translated cell keep the English cell's markdown shape?

The command line is ``tools/i18n.py`` (``extract``, ``build LANG``, ``check``, ``status``, ``labels``).
"""
