"""`values=True`: each node of the drawing shows the tensor it produced and, after backward,
the gradient that flowed through it (the micrograd picture, for tensors).

A tensor still alive when the picture is drawn (the leaves of a loss passed in) is read
then: its value and `.grad`. An op's output, and the gradient reaching it, exist only while
the program runs, so `capture()` watches a run: a TorchFunctionMode writes a one-line summary
of every op output that has a `grad_fn` and of every leaf an op used, and registers a hook on
each such autograd node (the grad_fn, or the leaf's AccumulateGrad: never the user's tensor)
that summarises the gradient flowing into it. Only strings are kept; hooks return None
(gradients are unchanged) and fall silent when the capture ends. Nothing of this is installed
unless `values=True` is asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from gradlab._autograd import sequence_nr
from gradlab.graph import GradGraph

__all__ = ["Capture", "capture", "labels", "summary"]

_FEW = 4  # tensors with at most this many numbers show them all


def summary(t: torch.Tensor) -> str:
    """A tensor in one short line: its numbers when few, else min, max and norm; all-zero and
    non-finite values said in words."""
    with torch.no_grad():
        flat = t.detach().reshape(-1).to(torch.float64, copy=True).cpu()
        if flat.numel() == 0:
            return "empty"
        if not bool(torch.isfinite(flat).all()):
            bad = int((~torch.isfinite(flat)).sum())
            return f"{bad} of {flat.numel()} not finite"
        if not bool(flat.any()):
            return "all zero" if flat.numel() > 1 else "0"
        if flat.numel() <= _FEW:
            numbers = ", ".join(f"{float(v) + 0.0:.3g}" for v in flat)  # no -0
            return numbers if flat.numel() == 1 else f"[{numbers}]"
        return (f"min {float(flat.min()):.3g} max {float(flat.max()):.3g} "
                f"norm {float(flat.norm()):.3g}")


class Capture(TorchFunctionMode):
    """The run's op outputs and the gradients reaching them, as summaries keyed by the
    grad_fn's sequence number."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[int, str] = {}
        self.grads: dict[int, str] = {}
        self.leaves: dict[int, str] = {}  # id of a leaf tensor -> its value when last used
        self.leaf_grads: dict[int, str] = {}
        self.live = True

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out,):
            node = getattr(t, "grad_fn", None) if isinstance(t, torch.Tensor) else None
            if node is None:
                continue
            number = sequence_nr(node)
            if number not in self.values:
                node.register_hook(self._grad_hook(self.grads, number))
            self.values[number] = summary(t)
            for child, _ in node.next_functions:
                leaf = getattr(child, "variable", None)  # an AccumulateGrad: a leaf's node
                if isinstance(leaf, torch.Tensor):
                    if id(leaf) not in self.leaves:
                        child.register_hook(self._grad_hook(self.leaf_grads, id(leaf)))
                    self.leaves[id(leaf)] = summary(leaf)
        return out

    def _grad_hook(self, into: dict[int, str], key: int) -> Any:
        def seen(_inputs: tuple[Any, ...], outputs: tuple[Any, ...]) -> None:
            if self.live and outputs and isinstance(outputs[0], torch.Tensor):
                into[key] = summary(outputs[0])
        return seen


@contextmanager
def capture(on: bool = True) -> Iterator[Capture | None]:
    """Watch the block's ops when `on` (else do nothing and give None). Enter it before
    gradlab's recorder, so the recorder never sees the summaries' own ops."""
    if not on:
        yield None
        return
    seen = Capture()
    try:
        with seen:
            yield seen
    finally:
        seen.live = False


def labels(graph: GradGraph, seen: Capture | None) -> dict[str, str]:
    """Node id -> the lines `values=True` adds: `data …` and, once backward ran, `grad …`."""
    found: dict[str, str] = {}
    for node_id, (key, ref) in graph.tensors.items():
        t = ref()
        if isinstance(t, torch.Tensor):
            found[node_id] = _lines(summary(t), summary(t.grad) if t.grad is not None else "None")
        elif seen is not None and key in seen.leaves:
            found[node_id] = _lines(seen.leaves[key], seen.leaf_grads.get(key))
    if seen is not None:
        for node_id, number in graph.sequence.items():
            if number in seen.values:
                found[node_id] = _lines(seen.values[number], seen.grads.get(number))
    return found


def _lines(data: str, grad: str | None) -> str:
    return f"data {data}" + (f"\ngrad {grad}" if grad is not None else "")
