"""The comparisons behind `gl.grade`: an answer's run against the reference's, one goal part
at a time. Each line states what differs, as measured; none guesses a cause."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

__all__ = ["gradient_lines", "parameter_lines", "parameters", "value_lines"]

TOLERANCE = 1e-4  # relative difference (of norms) under which two tensors count as equal


def parameters(scope: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Every parameter of the modules in `scope`, named like `model.named_parameters()` (with
    the variable's name in front when there are several modules)."""
    modules = [(k, v) for k, v in scope.items() if isinstance(v, nn.Module)]
    inner = {id(sub) for _, m in modules for sub in list(m.modules())[1:]}
    modules = [(k, m) for k, m in modules if id(m) not in inner]
    return {(f"{k}.{n}" if len(modules) > 1 else n): p
            for k, m in modules for n, p in m.named_parameters()}


def _trained(scope: Mapping[str, Any]) -> set[str]:
    """The names of the parameters some optimizer in `scope` updates."""
    ids = {id(p) for o in scope.values() if isinstance(o, torch.optim.Optimizer)
           for group in o.param_groups for p in group["params"]}
    return {n for n, p in parameters(scope).items() if id(p) in ids}


def _has_optimizer(scope: Mapping[str, Any]) -> bool:
    return any(isinstance(o, torch.optim.Optimizer) for o in scope.values())


def _attribute(scope: Mapping[str, Any], name: str) -> Any:
    modules = [v for v in scope.values() if isinstance(v, nn.Module)]
    parts = name.split(".")
    value: Any = modules[0] if len(modules) == 1 else scope.get(parts.pop(0))
    for part in parts:
        value = getattr(value, part, None)
    return value


def _difference(mine: torch.Tensor, ref: torch.Tensor) -> float:
    """The relative difference of two tensors of the same shape, as a fraction of `ref`."""
    a, b = mine.detach().double(), ref.detach().double()
    return float((a - b).norm() / b.norm().clamp_min(1e-12))


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f} %" if fraction >= 0.01 else f"{fraction * 100:.2g} %"


def _ratio(mine: torch.Tensor, ref: torch.Tensor) -> float | None:
    """k when `mine` is k times `ref` for a whole number k or 1/k other than 1, else None."""
    a, b = mine.detach().double().flatten(), ref.detach().double().flatten()
    if float(b.norm()) == 0.0:
        return None
    k = float(a @ b / (b @ b))
    whole = round(k) if k >= 1 else 1 / max(round(1 / k), 1) if k > 0 else 0.0
    if whole not in (0.0, 1) and abs(k - whole) < 1e-3 and _difference(a, k * b) < TOLERANCE:
        return k
    return None


def value_lines(name: str, mine: Mapping[str, Any], ref: torch.Tensor, what: str) -> list[str]:
    """What differs between the answer's `name` and the reference's tensor `ref`."""
    where = f" ({what})" if what else ""
    if name not in mine:
        return [f"`{name}`{where} is not among your version's variables: keep the exercise's "
                f"names."]
    value = mine[name]
    if not isinstance(value, torch.Tensor):
        found = "None" if value is None else f"a {type(value).__name__}"
        return [f"`{name}`{where} is {found}; the reference's is a tensor of shape "
                f"{tuple(ref.shape)}."]
    if value.shape != ref.shape:
        return [f"`{name}`{where} has shape {tuple(value.shape)}, the reference's "
                f"{tuple(ref.shape)}: it is not the same quantity."]
    difference = _difference(value, ref)
    if difference > TOLERANCE:
        return [f"`{name}`{where} differs from the reference's by {_percent(difference)}."]
    return []


def _missing_parameter(scope: Mapping[str, Any], name: str) -> str:
    value = _attribute(scope, name)
    if isinstance(value, torch.Tensor):
        return (f"`{name}` is a plain tensor, not an `nn.Parameter`: `model.parameters()` does "
                f"not list it, so no optimizer ever updates it.")
    return f"`{name}` is not a parameter of your version (the reference has it)."


def parameter_lines(mine: Mapping[str, Any], ref: Mapping[str, Any]) -> list[str]:
    """The parameters: the same names and shapes, trainable, from the same values, and all
    updated by an optimizer when the reference builds one."""
    mine_params, ref_params = parameters(mine), parameters(ref)
    lines = [_missing_parameter(mine, n) for n in ref_params if n not in mine_params]
    extra = [n for n in mine_params if n not in ref_params]
    if extra:
        lines.append(f"your version has parameters the reference does not: "
                     f"{', '.join(f'`{n}`' for n in extra)}; every parameter should be used.")
    for name, p in ref_params.items():
        q = mine_params.get(name)
        if q is None:
            continue
        if q.shape != p.shape:
            lines.append(f"`{name}` has shape {tuple(q.shape)}, the reference's "
                         f"{tuple(p.shape)}.")
        elif _difference(q, p) > TOLERANCE:
            lines.append(f"`{name}` starts from other values than the reference's: create the "
                         f"layers in the same order as the exercise does.")
        elif not q.requires_grad:
            lines.append(f"`{name}` has requires_grad=False: it is frozen, so it never trains.")
    if _has_optimizer(ref):
        untrained = sorted(_trained(ref) - _trained(mine))
        if untrained:
            lines.append(f"the optimizer does not update {', '.join(f'`{n}`' for n in untrained)}"
                         f": give it every parameter, as the reference does.")
    return lines


def _ratios(mine: dict[str, torch.Tensor], ref: dict[str, torch.Tensor]) -> dict[str, float]:
    ratios = {}
    for name, p in ref.items():
        q = mine.get(name)
        if q is not None and q.shape == p.shape and q.grad is not None and p.grad is not None:
            ratio = _ratio(q.grad, p.grad)
            if ratio is not None:
                ratios[name] = ratio
    return ratios


def gradient_lines(mine: Mapping[str, Any], ref: Mapping[str, Any], backwards: int) -> list[str]:
    """Every parameter's `.grad` against the reference's; `backwards` is how many times the
    answer's run called backward (what a whole-number ratio is then told with)."""
    mine_params, ref_params = parameters(mine), parameters(ref)
    ratios = _ratios(mine_params, ref_params)
    lines: list[str] = []
    differing: list[str] = []
    for name, p in ref_params.items():
        q = mine_params.get(name)
        if q is None or q.shape != p.shape or name in ratios:
            continue
        if p.grad is None and q.grad is not None:
            lines.append(f"`{name}.grad` should stay None, as in the reference: the "
                         f"reference sends no gradient to `{name}`.")
        elif p.grad is not None and q.grad is None:
            never = " (your version never calls backward)" if backwards == 0 else ""
            lines.append(f"`{name}.grad` is None after your version ran; the reference's is a "
                         f"gradient{never}.")
        elif p.grad is not None and q.grad is not None:
            difference = _difference(q.grad, p.grad)
            if difference > TOLERANCE:
                zero = " (all zero)" if not q.grad.any() else ""
                differing.append(f"`{name}.grad` by {_percent(difference)}{zero}")
    if differing:
        first, *others = differing
        also = f" ({', '.join(others)})" if others else ""
        lines.append(f"{first.replace(' by ', ' differs from the reference by ', 1)}{also}.")
    for k in sorted(set(round(r, 3) for r in ratios.values())):
        names = ", ".join(f"`{n}.grad`" for n, r in ratios.items() if round(r, 3) == k)
        why = (f"backward ran {backwards} times in your version and `.grad` adds up"
               if backwards > 1 and k > 1 else f"as if the loss were scaled by {k:g}")
        lines.append(f"{names} {'is' if ',' not in names else 'are'} {k:g}× the reference's: "
                     f"{why}.")
    return lines
