"""Loss curves drawn by matplotlib: every loss at its step and value, odd losses (none, one,
NaN, huge) left out and named, large type in big mode, words for screen readers, and the same
SVG and PNG bytes every time."""

from __future__ import annotations

import io
import math

import pytest
from matplotlib.figure import Figure
from PIL import Image

from gradlab import curve
from gradlab.comparison import Result
from gradlab.panes import curve_html

NAN, INF = float("nan"), float("inf")
FALLING = [1.0 / (1 + i) for i in range(30)]
FLAT = [0.7] * 30
BOX = '<div class="gradlab-curve" style="overflow-x:auto">'


def test_each_loss_is_a_point_at_its_step_and_value() -> None:
    fig = curve.figure([("broken", FLAT), ("fixed", FALLING)])
    assert isinstance(fig, Figure)
    broken, fixed = fig.axes[0].get_lines()
    assert list(broken.get_xdata()) == list(range(1, 31)) == list(fixed.get_xdata())
    assert list(broken.get_ydata()) == FLAT and list(fixed.get_ydata()) == FALLING
    assert broken.get_linestyle() == "--" and fixed.get_linestyle() == "-"
    assert broken.get_marker() == fixed.get_marker() == "o"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["broken", "fixed"]
    assert fig.axes[0].get_xlabel() == "optimizer step" and fig.axes[0].get_ylabel() == "loss"


def test_a_variant_without_losses_is_named_in_the_legend() -> None:
    fig = curve.figure([("broken", []), ("fixed", [0.3])])
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "broken (no losses)", "fixed"]


def test_losses_that_cannot_be_drawn_leave_a_gap_and_a_note() -> None:
    losses = [*FALLING[:10], NAN, INF, 1e308, *FALLING[10:]]
    fig = curve.figure([("broken", FALLING), ("fixed", losses)])
    ys = fig.axes[0].get_lines()[1].get_ydata()
    assert [math.isnan(y) for y in ys[9:14]] == [False, True, True, True, False]
    notes = [t.get_text() for t in fig.texts]
    assert notes == ["fixed: 3 losses not drawn: NaN, infinite, beyond 1e300 (first at step 11)"]
    assert curve.figure([("broken", FALLING), ("fixed", FLAT)]).texts == []


@pytest.mark.parametrize("losses", [[NAN, NAN], [INF, -INF], [5e-324, 1e-323], [0.0],
                                    list(range(2000))])
def test_odd_losses_never_break_the_picture(losses: list[float]) -> None:
    fig = curve.figure([("broken", losses), ("fixed", losses[::-1])])
    assert curve.png(fig).startswith(b"\x89PNG")


def test_big_type_is_projector_sized() -> None:
    """Fonts are given in points: 0.75 of a page pixel. Big: 16 px type, and still narrower
    than JupyterLab's output area at 1280x720 with the file browser open (about 800 px)."""
    big, small = curve.figure([("broken", FLAT), ("fixed", FALLING)], big=True), \
        curve.figure([("broken", FLAT), ("fixed", FALLING)])
    assert Image.open(io.BytesIO(curve.png(big))).size == (700, 340)
    assert Image.open(io.BytesIO(curve.png(small))).size == (600, 290)
    assert big.axes[0].xaxis.label.get_fontsize() == 12  # 16 px
    assert small.axes[0].xaxis.label.get_fontsize() == pytest.approx(9.75)  # 13 px


def test_the_same_losses_give_the_same_bytes() -> None:
    curves = [("broken", FLAT), ("fixed", FALLING)]
    first, again = curve.figure(curves), curve.figure(list(curves))
    assert curve.png(first) == curve.png(again)


def test_png_has_both_curves_colours() -> None:
    image = Image.open(io.BytesIO(curve.png(curve.figure([("broken", FLAT),
                                                          ("fixed", FALLING)]))))
    colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 20) or []}
    for hex_colour in curve.COLOURS:
        assert tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)) in colours, hex_colour


def test_the_words_say_where_each_curve_starts_and_ends() -> None:
    words = curve.describe([("broken", FLAT), ("fixed", FALLING), ("other", [])])
    assert words == ("Loss curves. broken: 30 steps, loss 0.7 at the first, 0.7 at the last; "
                     "fixed: 30 steps, loss 1 at the first, 0.03333 at the last; "
                     "other: no losses.")


def test_curve_html_is_one_png_with_words() -> None:
    results = [Result("broken", "", losses=FLAT), Result("fixed", "", losses=FALLING)]
    words = curve.describe([("broken", FLAT), ("fixed", FALLING)])
    shown = curve_html(results, big=True)
    assert shown.startswith(f'{BOX}<img src="data:image/png;base64,')
    assert f'alt="{words}"' in shown and 'width="700"' in shown
    assert curve_html([Result("broken", ""), Result("fixed", "")]) == ""
