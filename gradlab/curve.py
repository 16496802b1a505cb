"""Loss curves drawn by hand: one plain-data layout, written as inline SVG or as a PNG.

A plotting library would cost a lesson most of a second to import; a few lines, dots and
labels need none. The layout is computed once, in pixels; the writers only copy it out.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Dot", "Line", "Plot", "Text", "layout", "png", "svg"]

Curves = Sequence[tuple[str, Sequence[float]]]  # (variant name, its losses), first one dashed

_COLOURS = ("#1f77b4", "#d95f02")  # blue, orange: the first and second variant
_INK, _FRAME, _GRID = "#222222", "#444444", "#e4e4e4"
_CHAR = 0.6  # width of a label character, in font sizes (DejaVu's digits are the widest)
_DASH = (4, 2.5)  # dash and gap of the dashed curve, in line widths
_LARGEST, _FINEST = 1e300, 1e-290  # beyond: a range overflows; below: a step underflows


@dataclass(frozen=True)
class Line:
    """A polyline in pixels."""

    points: tuple[tuple[float, float], ...]
    colour: str
    width: float
    dashed: bool = False


@dataclass(frozen=True)
class Dot:
    """A filled circle marking one loss."""

    x: float
    y: float
    radius: float
    colour: str


@dataclass(frozen=True)
class Text:
    """A label whose baseline starts, is centred, or ends at (x, y)."""

    x: float
    y: float
    text: str
    anchor: str  # "start", "middle" or "end", as SVG's text-anchor


Mark = Line | Dot | Text


@dataclass(frozen=True)
class Plot:
    """Everything one picture shows, in pixels, in the order it is drawn."""

    width: int
    height: int
    font: int
    marks: tuple[Mark, ...]


def layout(curves: Curves, big: bool = False) -> Plot:
    """Lay out each variant's losses (loss i at optimizer step i + 1) with round-number
    ticks on both axes and a legend. Losses that cannot be drawn (NaN, infinite, or so large
    that their range overflows) are left out, and a note below the axes says so."""
    width, height, font = (700, 340, 16) if big else (600, 290, 13)
    drawn = [v for _, losses in curves for v in losses if _drawable(v)]
    steps = max((len(losses) for _, losses in curves), default=0)
    notes = [_note(name, losses) for name, losses in curves
             if not all(map(_drawable, losses))]
    y_lo, y_hi, y_step = _nice(min(drawn, default=0.0), max(drawn, default=1.0), 6)
    x_lo, x_hi = (0.0, 2.0) if steps <= 1 else (1.0, float(steps))
    x_step = max(1.0, _nice(x_lo, x_hi, 8, (1, 2, 5))[2])  # whole steps only
    y_ticks = _ticks(y_lo, y_hi, y_step)
    x_ticks = _ticks(1.0, max(1.0, float(steps)), x_step)
    y_labels = _labels(y_ticks, y_step)
    left = math.ceil(max(map(len, y_labels)) * _CHAR * font + 0.9 * font)
    top, right = round(2.2 * font), width - round(0.8 * font)
    bottom = height - round((3.4 + 1.3 * len(notes)) * font)
    inset = 0.6 * font  # keeps the first and last dots off the frame

    def at(step: float, loss: float) -> tuple[float, float]:
        return (left + inset + (step - x_lo) / (x_hi - x_lo) * (right - left - 2 * inset),
                bottom - (loss - y_lo) / (y_hi - y_lo) * (bottom - top))

    marks: list[Mark] = [Line(((left, at(1, v)[1]), (right, at(1, v)[1])), _GRID, 1)
                         for v in y_ticks]
    marks.append(Line(((left, top), (left, bottom), (right, bottom)), _FRAME, 1))
    for v, text in zip(y_ticks, y_labels, strict=True):
        y = at(1, v)[1]
        marks += [Line(((left - 0.3 * font, y), (left, y)), _FRAME, 1),
                  Text(left - 0.45 * font, y + 0.35 * font, text, "end")]
    for step, text in zip(x_ticks, _labels(x_ticks, x_step), strict=True):
        x = at(step, 0)[0]
        marks += [Line(((x, bottom), (x, bottom + 0.3 * font)), _FRAME, 1),
                  Text(x, bottom + 1.3 * font, text, "middle")]
    marks += [Text(left - 0.5 * font, top - 0.8 * font, "loss", "start"),
              Text((left + right) / 2, bottom + 2.6 * font, "optimizer step", "middle")]
    marks += [Text(left, bottom + (3.9 + 1.3 * i) * font, note, "start")
              for i, note in enumerate(notes)]
    for (_, losses), colour, dashed in zip(curves, _COLOURS, (True, False), strict=False):
        points = [at(i + 1, v) if _drawable(v) else None for i, v in enumerate(losses)]
        marks += [Line(tuple(run), colour, 0.15 * font, dashed) for run in _runs(points)]
        marks += [Dot(x, y, 0.2 * font, colour) for x, y in filter(None, points)]
    marks += _key(curves, right, top - 0.8 * font, font)
    return Plot(width, height, font, tuple(marks))


def _drawable(loss: float) -> bool:
    return math.isfinite(loss) and abs(loss) <= _LARGEST


def _note(name: str, losses: Sequence[float]) -> str:
    """What was left out of one variant's curve, and where it starts."""
    gone = [(i + 1, v) for i, v in enumerate(losses) if not _drawable(v)]
    kinds = [kind for kind, found in (("NaN", any(math.isnan(v) for _, v in gone)),
                                      ("infinite", any(math.isinf(v) for _, v in gone)),
                                      ("beyond 1e300", any(math.isfinite(v) for _, v in gone)))
             if found]
    return (f"{name}: {len(gone)} loss{'es' if len(gone) > 1 else ''} not drawn: "
            f"{', '.join(kinds)} (first at step {gone[0][0]})")


def _key(curves: Curves, right: float, baseline: float, font: int) -> list[Mark]:
    """The legend on one line above the axes, ending near `right` (text widths are
    estimated): each name after a sample of its line and dot."""
    marks: list[Mark] = []
    middle = baseline - 0.35 * font
    for (name, losses), colour, dashed in reversed(list(zip(
            curves, _COLOURS, (True, False), strict=False))):
        key = name if losses else f"{name} (no losses)"
        start = right - len(key) * _CHAR * font - 2.9 * font
        marks += [Text(start + 2.9 * font, baseline, key, "start"),
                  Line(((start, middle), (start + 2.5 * font, middle)), colour, 0.15 * font,
                       dashed),
                  Dot(start + 1.25 * font, middle, 0.2 * font, colour)]
        right = start - 1.2 * font
    return marks


def _nice(lo: float, hi: float, most: int, multiples: Sequence[float] = (1, 2, 2.5, 5)
          ) -> tuple[float, float, float]:
    """[lo, hi] with a margin of 5 % (a band around a constant), and the smallest round step
    (one of `multiples` times a power of ten) that puts at most `most` ticks in it."""
    if hi - lo <= max(abs(lo), abs(hi)) * 1e-9 or hi - lo < _FINEST:
        pad = max(abs(lo) * 0.1, abs(hi) * 0.1, _FINEST) if lo or hi else 1.0
        lo, hi = lo - pad, hi + pad
    margin = (hi - lo) * 0.05
    lo, hi = lo - margin, hi + margin
    power = 10.0 ** math.floor(math.log10((hi - lo) / most))
    step = next(step for step in (m * power * scale for scale in (1, 10, 100) for m in multiples)
                if len(_ticks(lo, hi, step)) <= most)
    return lo, hi, step


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    first = math.ceil(lo / step - 1e-9)
    return [k * step for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def _labels(ticks: list[float], step: float) -> list[str]:
    """Tick labels with just the digits that tell ticks `step` apart, in one notation for the
    whole axis: 0.25, 1500, 1e-05, 3.5e+06."""
    extra = 1 if f"{step:.1e}".startswith("2.5") else 0  # 2.5 steps need one digit more
    largest = max([abs(t) for t in ticks] + [step])
    if 1e-3 <= largest < 1e5:
        decimals = max(0, extra - math.floor(math.log10(step)))
        return [f"{0.0 if abs(t) < step * 1e-6 else t:.{decimals}f}" for t in ticks]
    labels = []
    for t in ticks:
        if abs(t) < step * 1e-6:
            labels.append("0")
            continue
        digits = max(0, math.floor(math.log10(abs(t))) - math.floor(math.log10(step)) + extra)
        mantissa, exponent = f"{t:.{digits}e}".split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        labels.append(f"{mantissa}e{exponent}")
    return labels


def _runs(points: list[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """The stretches of consecutive drawn points (a left-out loss breaks the line)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if len(run) > 1]


def _num(value: float) -> str:
    return f"{round(value, 1):g}"


def svg(plot: Plot) -> str:
    """The plot as a standalone SVG element (deterministic: no ids, no dates)."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{plot.width}" '
             f'height="{plot.height}" viewBox="0 0 {plot.width} {plot.height}" '
             f'font-family="DejaVu Sans, Arial, sans-serif" font-size="{plot.font}" '
             f'role="img" aria-label="loss curves">',
             '<rect width="100%" height="100%" fill="white"/>']
    for mark in plot.marks:
        if isinstance(mark, Line):
            points = " ".join(f"{_num(x)},{_num(y)}" for x, y in mark.points)
            dash = (f' stroke-dasharray="{" ".join(_num(mark.width * d) for d in _DASH)}"'
                    if mark.dashed else "")
            parts.append(f'<polyline points="{points}" fill="none" stroke="{mark.colour}" '
                         f'stroke-width="{_num(mark.width)}"{dash}/>')
        elif isinstance(mark, Dot):
            parts.append(f'<circle cx="{_num(mark.x)}" cy="{_num(mark.y)}" '
                         f'r="{_num(mark.radius)}" fill="{mark.colour}"/>')
        else:
            parts.append(f'<text x="{_num(mark.x)}" y="{_num(mark.y)}" '
                         f'text-anchor="{mark.anchor}" fill="{_INK}">{escape(mark.text)}</text>')
    return "\n".join([*parts, "</svg>"])


def png(plot: Plot) -> bytes:
    """The plot as a PNG, drawn at twice the size and halved: smooth lines without an
    antialiasing renderer."""
    from PIL import Image, ImageDraw, ImageFont  # here: only a static view needs Pillow

    scale = 2
    image = Image.new("RGB", (plot.width * scale, plot.height * scale), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=plot.font * scale)
    for mark in plot.marks:
        if isinstance(mark, Line):
            points = [(x * scale, y * scale) for x, y in mark.points]
            width = mark.width * scale
            for piece in _dashes(points, width) if mark.dashed else [points]:
                draw.line(piece, fill=mark.colour, width=max(1, round(width)), joint="curve")
        elif isinstance(mark, Dot):
            x, y, r = mark.x * scale, mark.y * scale, mark.radius * scale
            draw.ellipse((x - r, y - r, x + r, y + r), fill=mark.colour)
        else:
            draw.text((mark.x * scale, mark.y * scale), mark.text, fill=_INK, font=font,
                      anchor={"start": "ls", "middle": "ms", "end": "rs"}[mark.anchor])
    out = io.BytesIO()
    image.reduce(scale).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _dashes(points: list[tuple[float, float]], width: float) -> list[list[tuple[float, float]]]:
    """The drawn pieces of a dashed polyline, dashed as the SVG's stroke-dasharray."""
    pattern, pieces = (width * _DASH[0], width * _DASH[1]), [[points[0]]]
    phase, drawing = pattern[0], True  # length left in the current dash or gap
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        length, done = math.hypot(x1 - x0, y1 - y0), 0.0
        while length - done > phase:
            done += phase
            point = (x0 + (x1 - x0) * done / length, y0 + (y1 - y0) * done / length)
            if drawing:
                pieces[-1].append(point)
            else:
                pieces.append([point])
            drawing = not drawing
            phase = pattern[0 if drawing else 1]
        phase -= length - done
        if drawing:
            pieces[-1].append((x1, y1))
    return [piece for piece in pieces if len(piece) > 1]
