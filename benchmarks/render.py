"""Drawing: gl.draw (folded) + SVG against torchviz make_dot + SVG of the full graph."""

from __future__ import annotations

import torch
from torchviz import make_dot

import gradlab as gl
from benchmarks.common import Figure, ratio, run
from benchmarks.models import resnet, transformer


def measure() -> list[Figure]:
    """One ratio per model, with the drawn node counts in the note."""
    figures = []
    for name, build in (("24-layer transformer", transformer), ("24-block ResNet", resnet)):
        model, x = build()
        with gl.record() as rec:
            loss = model(x).pow(2).mean()
        params = dict(model.named_parameters())

        def ours(loss: torch.Tensor = loss, rec: gl.Recording = rec,
                 model: torch.nn.Module = model) -> gl.GraphView:
            view = gl.draw(loss, model=model, recording=rec)
            view.svg()
            return view

        def torchviz(loss: torch.Tensor = loss, params: dict[str, torch.Tensor] = params) -> str:
            return str(make_dot(loss, params=params).pipe(format="svg", encoding="utf-8"))

        value, ours_s, theirs_s = ratio(ours, torchviz, repeats=5)
        view = ours()
        full = torchviz().count('class="node"')
        figures.append(Figure(f"draw()+SVG / make_dot+SVG ({name})", value, "×", 0.4,
                              f"{ours_s * 1e3:.0f} ms vs {theirs_s * 1e3:.0f} ms; "
                              f"{view.folded.drawn} boxes and nodes drawn vs {full}"))
    return figures


if __name__ == "__main__":
    run(measure)
