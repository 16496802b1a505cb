"""Loss curves drawn by matplotlib: a Figure the student can restyle or save, rendered once
as a PNG by the Agg backend (the live toggle and its static view show the same picture), with
a sentence that says the same.

matplotlib costs most of a second to import, so it is imported on the first curve, never by
`import gradlab`. No pyplot: a bare `Figure` changes no global state of the student's session.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["COLOURS", "Curves", "describe", "drawable", "figure", "png", "size"]

Curves = Sequence[tuple[str, Sequence[float]]]  # (variant name, its losses), first one dashed

COLOURS = ("#1f77b4", "#d95f02")  # blue, orange: the first and second variant
_LARGEST = 1e300  # beyond: the axis range overflows
_DPI = 96  # CSS pixels per inch: a PNG pixel is a page pixel, a font point 4/3 of one


def size(big: bool) -> tuple[int, int, int]:
    """Width and height of the picture and its font size, in page pixels."""
    return (700, 340, 16) if big else (600, 290, 13)


def drawable(loss: float) -> bool:
    """True for a loss a curve can show (finite, and not so large its range overflows)."""
    return math.isfinite(loss) and abs(loss) <= _LARGEST


def figure(curves: Curves, big: bool = False) -> Figure:
    """Each variant's losses (loss i at optimizer step i + 1), dots joined by a line, the first
    variant dashed. Losses that cannot be drawn (NaN, infinite, huge) leave a gap, and a note
    below the axes names them."""
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    from matplotlib.ticker import MaxNLocator

    width, height, font = size(big)
    notes = [_note(name, losses) for name, losses in curves if not all(map(drawable, losses))]
    below = 0.06 * len(notes)  # room for the notes under the axes
    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI,
                 layout=ConstrainedLayoutEngine(rect=(0, below, 1, 1 - below)))
    ax = fig.add_subplot()
    points = font * 0.75
    for (name, losses), colour, dash in zip(curves, COLOURS, ("--", "-"), strict=False):
        ys = [v if drawable(v) else math.nan for v in losses]
        ax.plot(range(1, len(ys) + 1), ys, dash, marker="o", markersize=points * 0.4,
                linewidth=points * 0.15, color=colour,
                label=name if losses else f"{name} (no losses)")
    ax.set_xlabel("optimizer step", fontsize=points)
    ax.set_ylabel("loss", fontsize=points)
    ax.tick_params(labelsize=points)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))
    ax.grid(axis="y", color="#e4e4e4")
    if not any(drawable(v) for _, losses in curves for v in losses):
        ax.set_ylim(0.0, 1.0)
    ax.legend(fontsize=points, frameon=False, ncols=len(curves), loc="lower right",
              bbox_to_anchor=(1.0, 1.0), borderaxespad=0.1, handlelength=2.5)
    if notes:
        fig.text(0.01, 0.0, "\n".join(notes), fontsize=points, va="bottom")
    return fig


def _note(name: str, losses: Sequence[float]) -> str:
    """What was left out of one variant's curve, and where it starts."""
    gone = [(i + 1, v) for i, v in enumerate(losses) if not drawable(v)]
    kinds = [kind for kind, found in (("NaN", any(math.isnan(v) for _, v in gone)),
                                      ("infinite", any(math.isinf(v) for _, v in gone)),
                                      ("beyond 1e300", any(math.isfinite(v) for _, v in gone)))
             if found]
    return (f"{name}: {len(gone)} loss{'es' if len(gone) > 1 else ''} not drawn: "
            f"{', '.join(kinds)} (first at step {gone[0][0]})")


def describe(curves: Curves) -> str:
    """The curves in words (a picture's text alternative): each variant's first and last loss."""
    parts = []
    for name, losses in curves:
        if not losses:
            parts.append(f"{name}: no losses")
            continue
        parts.append(f"{name}: {len(losses)} steps, loss {losses[0]:.4g} at the first, "
                     f"{losses[-1]:.4g} at the last")
    return "Loss curves. " + "; ".join(parts) + "."


def png(fig: Figure) -> bytes:
    """The figure as a PNG at page size, drawn by matplotlib's Agg renderer (no date)."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=_DPI, metadata={"Software": None})
    return out.getvalue()
