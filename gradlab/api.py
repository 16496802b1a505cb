"""The public conveniences that join two layers: `gl.draw` diagnoses a loss or a function
first, then hands the Report to the drawing (which reads nothing but the Report)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gradlab import render
from gradlab.diagnosis import diagnose
from gradlab.recording import Recording
from gradlab.report import Report
from gradlab.values import capture

__all__ = ["draw"]


def draw(target: torch.Tensor | Callable[[], Any] | Report | None = None, *,
         model: Any = None, recording: Recording | None = None, report: Report | None = None,
         show_saved: bool = False, collapse: bool | str = "auto", max_nodes: int = 150,
         legend: bool = True, values: bool = False) -> render.GraphView:
    """Draw the autograd graph of a loss with the severed edges drawn, named and explained.

    `target` is what `gl.diagnose` takes (a loss, or a function returning `locals()`), or a
    Report it gave. `collapse="auto"` folds modules into boxes above `max_nodes` nodes.
    `values=True`: each node shows its tensor and the gradient through it (for a function,
    every op; for a tensor or Report, the leaves: see `gradlab.values`).
    """
    render.check_options(collapse, max_nodes)
    if isinstance(target, Report):
        report, target = target, None
    seen = None
    if report is None:
        if target is None:
            raise TypeError("gl.draw() needs a loss tensor, a function returning locals(), or "
                            "report=gl.diagnose(...)")
        with capture(values and not isinstance(target, torch.Tensor)) as seen:
            report = diagnose(target, model=model, recording=recording)
    return render.draw(report, show_saved=show_saved, collapse=collapse, max_nodes=max_nodes,
                       legend=legend, values=values, seen=seen)
