"""The logic behind the broken ↔ fixed toggle, with no frontend: `Comparison.run(variant)`.

Each variant is a zero-argument function returning `locals()`. A run seeds everything, calls
the function through `gl.diagnose`, draws the graph and, with `train_steps`, calls the
function's `step()` to record a loss curve. Results are plain data and cached per variant.
"""

from __future__ import annotations

import difflib
import inspect
import random
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from gradlab.diagnosis import diagnose_scope, run_recorded
from gradlab.render import GraphView, draw
from gradlab.report import Finding, GradRow, Report
from gradlab.values import capture, labels

__all__ = ["VARIANTS", "Comparison", "Result"]

VARIANTS = ("broken", "fixed")
Variant = Callable[[], Any]


@dataclass
class Result:
    """Everything one run of a variant shows: findings, graph, gradients, error, losses."""

    variant: str
    code: str
    report: Report | None = None
    view: GraphView | None = None
    losses: list[float] = field(default_factory=list)
    failure: str = ""

    @property
    def findings(self) -> list[Finding]:
        """The report's findings (empty when the run failed)."""
        return self.report.findings if self.report else []

    @property
    def kinds(self) -> list[str]:
        """The finding kinds, in report order."""
        return self.report.kinds() if self.report else []

    @property
    def grads(self) -> list[GradRow]:
        """One row per named parameter: None, all zero, or its norm."""
        return self.report.grads if self.report else []

    @property
    def exception_kind(self) -> str | None:
        """What the variant raised, as a finding kind (None if it raised nothing known)."""
        if self.report is None or self.report.exception is None:
            return None
        return self.report.exception.kind or self.report.exception.type

    def grad_states(self) -> dict[str, str]:
        """Parameter name -> `None`, `all zero` or `norm`: what a test or exercise checks."""
        return {row.name: row.state for row in self.grads}


def function_source(fn: Callable[..., Any]) -> str:
    """The source of a function, dedented; a placeholder when it has none (a lambda in a REPL)."""
    try:
        return textwrap.dedent(inspect.getsource(fn)).rstrip()
    except (OSError, TypeError):
        return f"# source of {getattr(fn, '__name__', 'this function')} is not available"


def changed_lines(this: str, other: str) -> set[int]:
    """Line numbers (from 0) of `this` that differ from `other`, ignoring the def line's name."""
    a, b = this.splitlines(), other.splitlines()
    body_a, body_b = a[1:], b[1:]
    matcher = difflib.SequenceMatcher(a=body_a, b=body_b, autojunk=False)
    changed: set[int] = set()
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag != "equal":
            changed.update(range(i1 + 1, i2 + 1))
    return changed


def _number(loss: Any) -> float:
    """A loss as a float, without torch's warning about converting a tensor that needs grad."""
    return float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss)


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _rng_state() -> tuple[Any, Any, Any]:
    return random.getstate(), np.random.get_state(), torch.get_rng_state()


def _set_rng_state(state: tuple[Any, Any, Any]) -> None:
    """Training later continues the random streams where the run left them: same curve."""
    random.setstate(state[0])
    np.random.set_state(state[1])
    torch.set_rng_state(state[2])


class Comparison:
    """Runs the broken and the fixed function on demand and caches what each shows."""

    def __init__(self, broken: Variant, fixed: Variant, *, train_steps: int = 0,
                 seed: int = 0, loss: str | None = None, values: bool = False) -> None:
        for name, fn in (("broken", broken), ("fixed", fixed)):
            if not callable(fn):
                raise TypeError(f"gl.compare(): {name}= takes a zero-argument function that "
                                f"returns locals(), not {type(fn).__name__}")
        if not isinstance(train_steps, int) or train_steps < 0:
            raise ValueError(f"train_steps= takes a whole number >= 0, not {train_steps!r}")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"seed= takes a whole number, not {seed!r}")
        if loss is not None and not isinstance(loss, str):
            raise TypeError(f"loss= takes the name of the loss variable (a str), not {loss!r}")
        if not isinstance(values, bool):
            raise TypeError(f"values= takes True or False, not {values!r}")
        self.values = values
        self.functions = {"broken": broken, "fixed": fixed}
        self.train_steps = train_steps
        self.seed = seed
        self.loss = loss
        self.code = {v: function_source(fn) for v, fn in self.functions.items()}
        self.changed = {"broken": changed_lines(self.code["broken"], self.code["fixed"]),
                        "fixed": changed_lines(self.code["fixed"], self.code["broken"])}
        self._cache: dict[str, Result] = {}
        # variant -> (scope whose step() is due, random state at the end of its run)
        self._untrained: dict[str, tuple[dict[str, Any], tuple[Any, Any, Any]]] = {}

    def run(self, variant: str, *, fresh: bool = False, train: bool = True) -> Result:
        """The Result of one variant: from the cache, or (`fresh`) recomputed from scratch.
        `train=False` leaves the loss curve for a later `run` or `train` (a flip shows the
        graph first)."""
        if variant not in VARIANTS:
            raise ValueError(f"variant must be 'broken' or 'fixed', not {variant!r}")
        if fresh or variant not in self._cache:
            self._untrained.pop(variant, None)
            self._cache[variant] = self._compute(variant)
        if train:
            self.train(variant)
        return self._cache[variant]

    def trained(self, variant: str) -> bool:
        """True when the variant's loss curve is recorded (or it has none)."""
        return variant not in self._untrained

    def train(self, variant: str) -> None:
        """Record the loss curve of a variant computed with `train=False`."""
        due = self._untrained.pop(variant, None)
        if due is None:
            return
        result = self._cache[variant]
        _set_rng_state(due[1])
        try:
            result.losses = self._train(due[0])
        except Exception as exc:  # noqa: BLE001 - shown in the panel like a failed run
            result.failure = f"{type(exc).__name__}: {exc}"

    def cached(self, variant: str) -> bool:
        """True when flipping to `variant` needs no computation."""
        return variant in self._cache

    def clear(self, variant: str | None = None) -> None:
        """Forget the result of `variant`, or of both."""
        for v in VARIANTS if variant is None else (variant,):
            self._cache.pop(v, None)
            self._untrained.pop(v, None)

    def _compute(self, variant: str) -> Result:
        fn = self.functions[variant]
        result = Result(variant, self.code[variant])
        _seed(self.seed)
        try:
            with capture(self.values) as seen:
                scope, recording, error, caught = run_recorded(fn, getattr(fn, "__code__", None))
            result.report = diagnose_scope(scope, recording, error, caught, loss=self.loss)
            del recording, error
            result.view = draw(result.report)
            if self.values:
                result.view = result.view.with_values(labels(result.report.graph, seen))
            if self.train_steps:
                self._check_step(scope)
                self._untrained[variant] = (scope, _rng_state())
        except Exception as exc:  # noqa: BLE001 - shown in the panel: a callback must not die silently
            result.failure = f"{type(exc).__name__}: {exc}"
        return result

    @staticmethod
    def _check_step(scope: dict[str, Any]) -> None:
        if not callable(scope.get("step")):
            raise ValueError("with train_steps, the function must define step(): one "
                             "optimizer step that returns the loss, and call it once "
                             "(loss = step())")

    def _train(self, scope: dict[str, Any]) -> list[float]:
        step = scope["step"]
        first = scope.get("loss")
        losses = [_number(first)] if isinstance(first, torch.Tensor) else []
        while len(losses) < self.train_steps:
            value = step()
            if not isinstance(value, (torch.Tensor, int, float)) or isinstance(value, bool):
                raise TypeError("step() must return the loss (a tensor or a number); it "
                                f"returned {type(value).__name__}: end it with `return loss`")
            losses.append(_number(value))
        return losses
