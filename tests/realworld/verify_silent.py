"""Check the silent-failure corpus with plain torch, without gradlab.

Each ``cases/silent-*/broken.py`` must run without an exception and show its symptom (a trainable
tensor whose ``.grad`` is None, all zero or not finite, a parameter the optimizer never sees or
never moves, or gradients that differ from the fixed script's); each ``fixed.py`` and each
``correct/silent-*.py`` must run without an exception and give every tensor it trains a finite,
non-zero gradient (and move it, when an optimizer steps it).

Run from the repository root: ``python tests/realworld/verify_silent.py``.
"""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

HERE = Path(__file__).parent
Tensors = dict[str, torch.Tensor]


@contextlib.contextmanager
def _optimizer_snapshots(snapshots: dict[int, torch.Tensor]) -> Iterator[None]:
    """Record every optimized tensor's value when its optimizer is built."""
    original = torch.optim.Optimizer.__init__

    def init(self: torch.optim.Optimizer, params: Any, defaults: dict[str, Any]) -> None:
        original(self, params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                snapshots.setdefault(id(p), p.detach().clone())

    torch.optim.Optimizer.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        torch.optim.Optimizer.__init__ = original  # type: ignore[method-assign]


def _run(path: Path) -> tuple[dict[str, Any], dict[int, torch.Tensor]]:
    snapshots: dict[int, torch.Tensor] = {}
    with _optimizer_snapshots(snapshots), contextlib.redirect_stdout(io.StringIO()):
        namespace = runpy.run_path(str(path), run_name="__main__")
    return namespace, snapshots


def _collect(namespace: dict[str, Any]) -> tuple[Tensors, Tensors, list[torch.optim.Optimizer]]:
    """Parameters and leaf tensors the script trains, and plain tensors held by its modules."""
    trained: Tensors = {}
    plain: Tensors = {}
    seen: set[int] = set()

    def add(table: Tensors, name: str, tensor: torch.Tensor) -> None:
        if id(tensor) not in seen and tensor.is_floating_point():
            seen.add(id(tensor))
            table[name] = tensor

    def walk(name: str, module: nn.Module) -> None:
        if id(module) in seen:
            return
        seen.add(id(module))
        for pname, p in module.named_parameters(prefix=name):
            add(trained, pname, p)
        for sub_name, sub in module.named_modules(prefix=name):
            for attr, value in vars(sub).items():
                if not attr.startswith("_"):
                    held(f"{sub_name}.{attr}", value)

    def held(name: str, value: Any) -> None:
        if isinstance(value, nn.Module):
            walk(name, value)
        elif isinstance(value, torch.Tensor):
            add(plain, name, value)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                held(f"{name}[{i}]", item)
        elif isinstance(value, dict):
            for key, item in value.items():
                held(f"{name}[{key!r}]", item)

    optimizers = [v for v in namespace.values() if isinstance(v, torch.optim.Optimizer)]
    for var, value in namespace.items():
        if isinstance(value, nn.Module):
            walk(var, value)
    for var, value in namespace.items():
        if isinstance(value, torch.Tensor) and value.requires_grad and value.is_leaf:
            add(trained, var, value)
    for i, optimizer in enumerate(optimizers):
        for group in optimizer.param_groups:
            for j, p in enumerate(group["params"]):
                add(trained, f"optimizer{i}.param{j}", p)
    return trained, plain, optimizers


def _grad_problem(tensor: torch.Tensor) -> str | None:
    if not tensor.is_leaf:
        return "is not a leaf"
    if tensor.grad is None:
        return ".grad is None"
    if not torch.isfinite(tensor.grad).all():
        return ".grad is not finite"
    if not tensor.grad.any():
        return ".grad is all zero"
    return None


def _problems(path: Path, *, strict_plain: bool) -> tuple[list[str], Tensors]:
    namespace, snapshots = _run(path)
    trained, plain, optimizers = _collect(namespace)
    optimized = {id(p) for o in optimizers for g in o.param_groups for p in g["params"]}
    problems: list[str] = []
    grads: Tensors = {}
    for name, p in trained.items():
        if not p.requires_grad:
            continue
        problem = _grad_problem(p)
        if problem:
            problems.append(f"{name}: {problem}")
        elif p.grad is not None:
            grads[name] = p.grad
        if not torch.isfinite(p.detach()).all():
            problems.append(f"{name}: value is not finite")
        if optimizers and id(p) not in optimized:
            problems.append(f"{name}: in no optimizer")
        snapshot = snapshots.get(id(p))
        if snapshot is not None and torch.equal(snapshot, p.detach()):
            problems.append(f"{name}: never moved")
    for name, t in plain.items():
        if t.requires_grad and not t.is_leaf:
            problems.append(f"{name}: module attribute is not a leaf")
        elif strict_plain:
            problems.append(f"{name}: plain tensor attribute (not a Parameter or buffer)")
    return problems, grads


def _compare(broken: Tensors, fixed: Tensors) -> list[str]:
    return [
        f"{name}: gradient differs from the fixed script's"
        for name, g in broken.items()
        if name in fixed and g.shape == fixed[name].shape and not torch.allclose(g, fixed[name])
    ]


def main() -> int:
    failures = 0
    for case in sorted((HERE / "cases").glob("silent-*")):
        broken, broken_grads = _problems(case / "broken.py", strict_plain=True)
        fixed, fixed_grads = _problems(case / "fixed.py", strict_plain=False)
        symptoms = broken or _compare(broken_grads, fixed_grads)
        ok = bool(symptoms) and not fixed
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {case.name}: {'; '.join(symptoms[:3]) or 'no symptom'}")
        for problem in fixed:
            print(f"       fixed.py: {problem}")
    for idiom in sorted((HERE / "correct").glob("silent-*.py")):
        problems, _ = _problems(idiom, strict_plain=False)
        failures += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} correct/{idiom.name}: {'; '.join(problems)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
