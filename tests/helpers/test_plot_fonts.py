"""zh-TW plots draw their Chinese labels (helpers/plot_fonts.py), with the CJK font tools/course test installs."""

from __future__ import annotations

import io
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from helpers import plot_fonts  # noqa: E402

LABEL = "延遲（越低越好） latency (ms)"


def draw(title: str) -> list[str]:
    """Render a figure with ``title`` and return matplotlib's warnings."""
    fig, axes = plt.subplots(figsize=(3, 2))
    axes.set_title(title)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    return [str(w.message) for w in caught]


def test_zh_tw_labels_have_every_glyph():
    """After use_fonts_for("zh-TW") a Chinese title renders with no "Glyph ... missing" warning."""
    with matplotlib.rc_context():
        chosen = plot_fonts.use_fonts_for("zh-TW")
        assert chosen in plot_fonts.CJK_FONTS["zh-TW"], "no CJK font: install fonts-noto-cjk (tools/course test does)"
        assert not [w for w in draw(LABEL) if "missing from font" in w]


def test_without_the_fallback_glyphs_are_missing():
    """The default font has no Chinese glyphs, so the test above can fail."""
    with matplotlib.rc_context():
        matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
        assert [w for w in draw(LABEL) if "missing from font" in w]


@pytest.mark.parametrize("lang", ["en", "es", "fr", "id"])
def test_other_languages_keep_matplotlibs_fonts(lang):
    """Languages written in Latin letters change nothing in matplotlib's settings."""
    with matplotlib.rc_context():
        before = list(matplotlib.rcParams["font.family"])
        assert plot_fonts.use_fonts_for(lang) is None
        assert list(matplotlib.rcParams["font.family"]) == before
