"""`--steps N`: which trainable tensors moved over N optimizer steps, and the finding that says
why the others did not ("my loss does not move").

`watch_steps(n)` copies every tensor an optimizer holds before its first `step()` and after its
n-th, with PyTorch's global optimizer step hooks; it reads `.grad` (never writes it) and copies
values only, so the watched run computes what it computes without it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.optim.optimizer import (
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
)

from gradlab.report import Finding

__all__ = ["Moved", "StepTable", "repeat", "watch_steps"]


@dataclass(frozen=True)
class Moved:
    """One row of the table: a trainable tensor, whether its value changed, and why not."""

    name: str
    moved: str
    why: str

    def to_dict(self) -> dict[str, str]:
        """Return the row as JSON-ready data."""
        return {"parameter": self.name, "moved": self.moved, "why_not": self.why}


@dataclass
class StepTable:
    """What N optimizer steps did to each trainable tensor."""

    asked: int
    ran: int
    rows: list[Moved] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"after {self.ran} optimizer step(s)"
        if self.ran < self.asked:
            head += f" (the run made only {self.ran} of the {self.asked} asked)"
        if not self.rows:
            return f"{head}: no optimizer stepped any tensor."
        width = max(len("parameter"), *(len(r.name) for r in self.rows))
        lines = [f"{head}:", f"  {'parameter':<{width}}  moved?  why not"]
        lines += [f"  {r.name:<{width}}  {r.moved:<6}  {r.why}" for r in self.rows]
        return "\n".join(lines)


def repeat(step: Callable[[], Any], times: int) -> Callable[[], Any]:
    """A function that calls `step` `times` times and returns what the last call returned."""
    if times == 1:
        return step

    def run() -> Any:
        for _ in range(times - 1):
            step()
        return step()
    return run


class watch_steps:
    """Copy the tensors each optimizer steps, before its first step and after its n-th."""

    def __init__(self, steps: int) -> None:
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise ValueError(f"steps= takes a whole number of optimizer steps >= 1, not {steps!r}")
        self.steps = steps
        self.before: dict[int, torch.Tensor] = {}
        self.after: dict[int, torch.Tensor] = {}
        self.grads: dict[int, set[str]] = {}  # what .grad was at each step: None, zero, NaN
        self.tensors: dict[int, torch.Tensor] = {}
        self.counts: dict[int, int] = {}
        self._handles: list[Any] = []

    def __enter__(self) -> watch_steps:
        self._handles = [register_optimizer_step_pre_hook(self._pre),
                         register_optimizer_step_post_hook(self._post)]
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _params(self, optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
        return [p for g in optimizer.param_groups for p in g["params"]]

    def _pre(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        if self.counts.get(id(optimizer), 0) >= self.steps:
            return
        for p in self._params(optimizer):
            self.tensors.setdefault(id(p), p)
            self.before.setdefault(id(p), p.detach().clone())
            grad = p.grad
            state = ("None" if grad is None else "zero" if not bool(grad.any())
                     else "NaN" if not bool(torch.isfinite(grad).all()) else "ok")
            self.grads.setdefault(id(p), set()).add(state)

    def _post(self, optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        count = self.counts.get(id(optimizer), 0)
        if count >= self.steps:
            return
        self.counts[id(optimizer)] = count + 1
        if count + 1 == self.steps:
            for p in self._params(optimizer):
                self.after[id(p)] = p.detach().clone()

    def table(self, scope: Mapping[str, Any], findings: list[Finding]) -> StepTable:
        """The table for what was watched, naming tensors as the scope does."""
        names = _names(scope)
        rows = []
        for key, t in self.tensors.items():
            after = self.after.get(key, t.detach())
            name = names.get(key, f"tensor {tuple(t.shape)}")
            why = _why(name, findings) or _grad_story(self.grads.get(key, set()))
            if not bool(torch.isfinite(after).all()):
                rows.append(Moved(name, "NaN", why))
            elif torch.equal(self.before[key], after):
                rows.append(Moved(name, "no", why))
            else:
                rows.append(Moved(name, "yes", ""))
        for key, name in names.items():
            held = _find(scope, key)
            if key not in self.tensors and held is not None and held.requires_grad \
                    and held.is_leaf:
                rows.append(Moved(name, "no", _why(name, findings) or "no optimizer holds it"))
        ran = max(self.counts.values(), default=0)
        return StepTable(self.steps, ran, sorted(rows, key=lambda r: (r.moved == "yes", r.name)))


def _names(scope: Mapping[str, Any]) -> dict[int, str]:
    """Names of the tensors in a scope: module parameters as `model.fc.weight`, variables."""
    names: dict[int, str] = {}
    for var, value in scope.items():
        if isinstance(value, torch.nn.Module):
            for name, p in value.named_parameters():
                names.setdefault(id(p), f"{var}.{name}")
    for var, value in scope.items():
        if isinstance(value, torch.Tensor) and not var.startswith("_"):
            names.setdefault(id(value), var)
    return names


def _find(scope: Mapping[str, Any], key: int) -> torch.Tensor | None:
    for value in scope.values():
        if isinstance(value, torch.nn.Module):
            for p in value.parameters():
                if id(p) == key:
                    return p
        elif isinstance(value, torch.Tensor) and id(value) == key:
            return value
    return None


def _why(name: str, findings: list[Finding]) -> str:
    """The first error or warning that names this tensor (or its module), as `kind at line`."""
    short = name.split(".", 1)[1] if "." in name else name
    for f in findings:
        bases = [n.split(" (")[0] for n in f.names]
        if f.severity != "info" and any(b in (name, short) or name.startswith(b + ".")
                                        or short.startswith(b + ".") for b in bases if b):
            return f"{f.kind}{' at ' + f.where if f.where else ''}"
    return ""


def _grad_story(grads: set[str]) -> str:
    """What `.grad` was at the watched steps, when no finding names the tensor."""
    if grads == {"None"}:
        return ".grad was None at every step (no path to the loss)"
    if grads and grads <= {"zero", "None"}:
        return ".grad was all zero at every step"
    return "no finding explains it: a learning rate of 0, or steps too small to change it"
