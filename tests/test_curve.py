"""The hand-drawn loss curve: every loss where its step and value put it, round-number ticks,
odd losses (none, one, constant, NaN, huge, tiny) drawn or named, large type in big mode, and
the same SVG and PNG bytes every time."""

from __future__ import annotations

import io
import itertools
import math
import re
from typing import TypeVar

import pytest
from PIL import Image

from gradlab import curve
from gradlab.compare import Result
from gradlab.panes import curve_html

NAN, INF = float("nan"), float("inf")
FALLING = [1.0 / (1 + i) for i in range(30)]
FLAT = [0.7] * 30
M = TypeVar("M", curve.Line, curve.Dot, curve.Text)


def marks(plot: curve.Plot, kind: type[M]) -> list[M]:
    return [m for m in plot.marks if isinstance(m, kind)]


def tick_labels(plot: curve.Plot) -> tuple[list[str], list[str]]:
    """The y labels (right-aligned beside the axis) and the x labels (centred under it)."""
    texts = marks(plot, curve.Text)
    return ([t.text for t in texts if t.anchor == "end"],
            [t.text for t in texts if t.anchor == "middle" and t.text != "optimizer step"])


def curve_dots(plot: curve.Plot, variant: int) -> list[curve.Dot]:
    """The dots of one variant's curve (the legend's sample dot, above the axes, excluded)."""
    top = min(y for line in marks(plot, curve.Line) for _, y in line.points
              if line.colour == "#444444")
    colour = ("#1f77b4", "#d95f02")[variant]
    return [d for d in marks(plot, curve.Dot) if d.colour == colour and d.y >= top]


def test_each_loss_is_a_dot_at_its_step_and_value() -> None:
    plot = curve.layout([("broken", FLAT), ("fixed", FALLING)])
    broken, fixed = curve_dots(plot, 0), curve_dots(plot, 1)
    assert len(broken) == len(fixed) == 30
    assert len({round(d.y, 6) for d in broken}) == 1  # flat: one height
    assert all(a.y < b.y for a, b in itertools.pairwise(fixed))  # falling: lower
    assert [d.x for d in broken] == [d.x for d in fixed]  # same step, same x
    assert all(a.x < b.x for a, b in itertools.pairwise(fixed))
    lines = [m for m in marks(plot, curve.Line) if m.colour != "#444444" and len(m.points) > 2]
    assert [(len(line.points), line.dashed) for line in lines] == [(30, True), (30, False)]


def test_ticks_are_round_numbers_spanning_the_losses() -> None:
    plot = curve.layout([("broken", FLAT), ("fixed", FALLING)])
    y_labels, x_labels = tick_labels(plot)
    assert y_labels == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
    assert x_labels == ["5", "10", "15", "20", "25", "30"]
    dots = curve_dots(plot, 1)
    texts = {t.text: t for t in marks(plot, curve.Text)}
    assert texts["0.0"].y > dots[-1].y and texts["1.0"].y < dots[0].y + plot.font
    assert "optimizer step" in texts and "loss" in texts


@pytest.mark.parametrize(("losses", "expected"), [
    ([1e-5, 3e-5, 2e-5], ["1e-05", "1.5e-05", "2e-05", "2.5e-05", "3e-05"]),
    ([1.2e6, 2.1e6], ["1.2e+06", "1.4e+06", "1.6e+06", "1.8e+06", "2e+06"]),
    ([1200.0, 1800.0], ["1200", "1400", "1600", "1800"]),
    ([-3.0, -1.5], ["-3.0", "-2.5", "-2.0", "-1.5"]),
])
def test_tick_labels_are_compact_at_any_magnitude(losses: list[float],
                                                  expected: list[str]) -> None:
    y_labels, _ = tick_labels(curve.layout([("broken", losses), ("fixed", losses)]))
    assert y_labels == expected


def test_constant_losses_sit_inside_a_band_of_ticks() -> None:
    for value in (0.0, 2.5, -4.0):
        plot = curve.layout([("broken", [value] * 5), ("fixed", [value] * 5)])
        y_labels, _ = tick_labels(plot)
        values = [float(label) for label in y_labels]
        assert len(values) >= 2 and min(values) <= value <= max(values), value
        assert len(set(y_labels)) == len(y_labels)


def test_a_single_step_and_a_variant_without_losses() -> None:
    plot = curve.layout([("broken", []), ("fixed", [0.3])])
    assert len(curve_dots(plot, 0)) == 0 and len(curve_dots(plot, 1)) == 1
    assert tick_labels(plot)[1] == ["1"]
    texts = [t.text for t in marks(plot, curve.Text)]
    assert "broken (no losses)" in texts and "fixed" in texts


def test_nan_and_infinite_losses_are_left_out_and_named() -> None:
    losses = [*FALLING[:10], NAN, INF, *FALLING[10:]]
    plot = curve.layout([("broken", FALLING), ("fixed", losses)])
    assert len(curve_dots(plot, 1)) == 30
    fixed_lines = [m for m in marks(plot, curve.Line) if m.colour == "#d95f02"
                   and len(m.points) > 2]
    assert [len(line.points) for line in fixed_lines] == [10, 20]  # broken where they were
    texts = [t.text for t in marks(plot, curve.Text)]
    assert "fixed: 2 losses not drawn: NaN, infinite (first at step 11)" in texts
    assert not any("broken:" in t for t in texts)
    assert "not drawn" not in curve.svg(curve.layout([("broken", FALLING), ("fixed", FLAT)]))


@pytest.mark.parametrize("losses", [
    [NAN, NAN], [INF, -INF], [1e308, -1.7e308, 1.0], [5e-324, 1e-323], [1e300, 1e-300],
    [0.0], list(range(2000)),
])
def test_odd_losses_never_break_the_picture(losses: list[float]) -> None:
    """Whatever the losses, a few ticks label each axis and every mark is a finite point
    inside the picture."""
    plot = curve.layout([("broken", losses), ("fixed", losses[::-1])])
    y_labels, x_labels = tick_labels(plot)
    assert 2 <= len(y_labels) <= 6 and 1 <= len(x_labels) <= 8
    points = [p for line in marks(plot, curve.Line) for p in line.points]
    points += [(m.x, m.y) for m in marks(plot, curve.Dot) + marks(plot, curve.Text)]
    assert all(0 <= x <= plot.width and 0 <= y <= plot.height for x, y in points)
    assert "nan" not in curve.svg(plot).lower().replace("not drawn: nan", "")
    assert curve.png(plot).startswith(b"\x89PNG")


def test_big_type_is_projector_sized_and_fits_the_pane() -> None:
    """JupyterLab's output area at 1280x720 with the file browser open is about 800 px: the
    big curve is narrower, so it is never shrunk and its text stays at 16 px."""
    big, small = curve.layout([("broken", FLAT), ("fixed", FALLING)], big=True), \
        curve.layout([("broken", FLAT), ("fixed", FALLING)])
    assert big.width <= 760 and big.font >= 14 and small.width <= big.width
    svg = curve.svg(big)
    assert f'width="{big.width}"' in svg and 'font-size="16"' in svg
    assert "font-size" not in svg.split(">", 1)[1]  # no text smaller than the picture's


def test_the_same_losses_give_the_same_bytes() -> None:
    curves = [("broken", FLAT), ("fixed", FALLING)]
    first, again = curve.layout(curves), curve.layout(list(curves))
    assert curve.svg(first) == curve.svg(again) and curve.png(first) == curve.png(again)
    assert not re.search(r"\bid=", curve.svg(first))


def test_png_is_the_plot_at_its_size_with_both_curves() -> None:
    plot = curve.layout([("broken", FLAT), ("fixed", FALLING)])
    data = curve.png(plot)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (plot.width, plot.height)
    assert 2_000 < len(data) < 100_000
    colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 20) or []}
    for hex_colour in ("#1f77b4", "#d95f02"):
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, hex_colour  # the inside of each curve's dots


def test_the_dashed_curve_has_gaps_in_the_png_too() -> None:
    pieces = curve._dashes([(0.0, 0.0), (65.0, 0.0)], 1.0)
    assert len(pieces) == 10
    assert all(math.isclose(b[0] - a[0], 4.0) for a, b in pieces)
    plot = curve.layout([("broken", FLAT), ("fixed", [0.2] * 30)])
    image = Image.open(io.BytesIO(curve.png(plot))).convert("RGB")
    for variant, expected in ((0, range(50, 90)), (1, range(98, 101))):
        dots = curve_dots(plot, variant)
        row = round(dots[0].y)
        colour = image.getpixel((round(dots[0].x), row))
        inked = [image.getpixel((x, row)) == colour
                 for x in range(round(dots[0].x), round(dots[-1].x))]
        assert round(100 * sum(inked) / len(inked)) in expected, variant  # dashed, solid


def test_curve_html_is_an_svg_live_and_a_png_static() -> None:
    results = [Result("broken", "", losses=FLAT), Result("fixed", "", losses=FALLING)]
    live = curve_html(results, big=True)
    assert live.startswith('<div class="gradlab-curve"><svg style="max-width:100%;height:auto"')
    assert "optimizer step" in live
    static = curve_html(results, static=True)
    assert static.startswith('<div class="gradlab-curve"><img src="data:image/png;base64,')
    assert curve_html([Result("broken", ""), Result("fixed", "")]) == ""
