"""Plot labels readable in every edition: a font with Chinese glyphs for zh-TW, where the system has one.

matplotlib draws text with DejaVu Sans, which has no CJK glyphs: a zh-TW plot
shows empty boxes and a "Glyph ... missing" warning per character.
``use_fonts_for(lang)`` puts the first installed CJK font after DejaVu Sans in
matplotlib's fallback list (matplotlib 3.6+ takes each glyph from the first
font that has it), so Latin text looks as in English and Chinese text is drawn.
``helpers.setup()`` calls it; other languages need nothing and import nothing.

Typical use::

    helpers.plot_fonts.use_fonts_for("zh-TW")   # -> "Noto Sans CJK TC" on Debian with fonts-noto-cjk
"""

from __future__ import annotations

__all__ = ["CJK_FONTS", "use_fonts_for"]

#: Fonts with Traditional Chinese glyphs, by platform: Linux (fonts-noto-cjk), macOS, Windows.
CJK_FONTS = {
    "zh-TW": ["Noto Sans CJK TC", "Noto Sans TC", "Source Han Sans TC", "PingFang TC", "Heiti TC",
              "Microsoft JhengHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei"],
}


def use_fonts_for(lang: str) -> str | None:
    """Make matplotlib fall back to an installed font with ``lang``'s glyphs; return its name (None: not needed or none found).

    Typical use::

        use_fonts_for("es")      # -> None: DejaVu Sans has every glyph
    """
    wanted = CJK_FONTS.get(lang)
    if not wanted:
        return None
    try:
        import matplotlib
        from matplotlib import font_manager
    except ImportError:  # matplotlib is only needed by lesson 09's plots
        return None
    installed = {font.name for font in font_manager.fontManager.ttflist}
    chosen = next((name for name in wanted if name in installed), None)
    if chosen is None:
        return None
    # A list of named families is a fallback chain (a generic "sans-serif" would use only its first font).
    latin = next((name for name in matplotlib.rcParams["font.sans-serif"] if name in installed), None)
    matplotlib.rcParams["font.family"] = [name for name in (latin, chosen) if name] + ["sans-serif"]
    return chosen
