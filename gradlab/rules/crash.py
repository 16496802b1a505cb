"""Crashes that autograd caused: a `.grad` that is None, a loss that is not a tensor.

What: the code stopped outside autograd -- `'NoneType' object has no attribute 'zero_'` from
`w.grad.zero_()`, `unsupported operand type(s) for *: 'NoneType' and 'float'` from
`w.grad * lr`, `'numpy.float32' object has no attribute 'backward'` -- and the recording shows
why: `w` is not a leaf (an op came after `requires_grad=True`, or `w = w - lr * w.grad`
rebound it), `w` was made under `no_grad`, or the loss went through `.item()` / `.numpy()`.

Why: these are the commonest autograd questions, and the message points at the wrong line: the
cause is where `w` or the loss was made, not where it was used.

Known problems: a None-related crash whose line reads no `.grad`, and a non-tensor loss with no
recorded cut, stay unexplained (the code failed for another reason).

Example:
    w = torch.randn(784, 10, requires_grad=True) / math.sqrt(784)
    ...; loss.backward(); w.grad.zero_()          # AttributeError

Use instead:
    w = (torch.randn(784, 10) / math.sqrt(784)).requires_grad_()
"""

from __future__ import annotations

import linecache
import re
from types import FrameType
from typing import Any

import torch

from gradlab.facts import Facts, where
from gradlab.overlay import Earlier, Explains, Item
from gradlab.recording import Event, Where, is_internal, user_where
from gradlab.report import Finding
from gradlab.rules.severing import not_a_tensor_loss

__all__ = ["check"]

_NONE = re.compile(r"'NoneType' object (has no attribute|is not subscriptable)|"
                   r"unsupported operand type\(s\) for .*'NoneType'")
_NOT_A_TENSOR = re.compile(r"'(numpy\.\w+|float|int)' object has no attribute 'backward'")
_GRAD_READ = re.compile(r"((?:[A-Za-z_]\w*)(?:\.[A-Za-z_]\w*)*)\.grad\b")
_UNDER = {"no_grad": " under torch.no_grad()", "inference_mode": " under torch.inference_mode()"}


def check(facts: Facts, earlier: Earlier) -> list[Item]:
    """Explain a None-.grad or non-tensor-loss crash from the recording; the finding becomes
    the exception's explanation (an `Explains` claim)."""
    exc = facts.ctx.exception
    if exc is None:
        return []
    text = str(exc)
    frame, line = _failing_line(exc)
    if frame is None:
        return []
    if _NONE.search(text):
        found = _none_grad(facts, earlier, frame, line, text)
    elif (match := _NOT_A_TENSOR.search(text)) is not None:
        finding = not_a_tensor_loss(facts, match.group(1))
        found = None if finding is None else (finding, True)
    else:
        return []
    if found is None:
        return []
    finding, new = found
    return [Explains(finding), finding] if new else [Explains(finding)]


def _failing_line(exc: BaseException) -> tuple[FrameType | None, int]:
    """The deepest frame of user code in the traceback, and its line."""
    tb = exc.__traceback__
    frame: FrameType | None = None
    line = 0
    while tb is not None:
        if not is_internal(tb.tb_frame.f_code):
            frame, line = tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
    return frame, line


def _resolve(frame: FrameType, expression: str) -> Any:
    """The value of a dotted name (`w`, `model.fc.weight`) in the failing frame, or None."""
    first, *attributes = expression.split(".")
    value = frame.f_locals.get(first, frame.f_globals.get(first))
    for attribute in attributes:
        try:
            value = getattr(value, attribute)
        except Exception:  # noqa: BLE001 - a property of the user's object failed: not ours
            return None
    return value


def _none_grad(facts: Facts, earlier: Earlier, frame: FrameType, line: int,
               text: str) -> tuple[Finding, bool] | None:
    source = linecache.getline(frame.f_code.co_filename, line)
    for expression in _GRAD_READ.findall(source):
        t = _resolve(frame, expression)
        if not isinstance(t, torch.Tensor) or (t.is_leaf and t.grad is not None):
            continue
        if not t.is_leaf and t.retains_grad and t.grad is not None:
            continue
        name = facts.names.name(t) if id(t) in facts.names.tensors else expression
        known = next((f for f in earlier.found if f.severity == "error" and name in f.names), None)
        if known is not None:
            return known, False
        crash = f"hence {text.splitlines()[0]}"
        here = user_where(frame)
        at = str(Where(here.file, line, here.function))
        if not t.is_leaf:
            node = t.grad_fn.name() if t.grad_fn is not None else "an op"
            return Finding(
                "non_leaf_grad", "error", (expression,), at,
                f"{expression}.grad is None: {expression} is the output of {node}, not a leaf "
                "-- an op after requires_grad=True (torch.randn(n, m, requires_grad=True) / "
                f"math.sqrt(n)) or a rebinding ({expression} = {expression} - lr * "
                f"{expression}.grad outside no_grad) made it -- and backward() fills .grad "
                f"only on leaves; {crash}.",
                f"create the leaf from its final value: {expression} = (torch.randn(n, m) / "
                f"math.sqrt(n)).requires_grad_(); update it in place under torch.no_grad(): "
                f"{expression} -= lr * {expression}.grad"), True
        if t.requires_grad:
            return Finding(
                "unused_parameter", "error", (expression,), at,
                f"{expression}.grad is None: {expression} requires grad, but no backward() "
                f"reached it (it is not on the loss's path, or backward() has not run yet); "
                f"{crash}.",
                f"use {expression} in the loss and call backward() before reading .grad"), True
        cuts, _ = facts.rec.origin(t) if facts.rec is not None else (frozenset(), frozenset())
        cut = _last_cut(facts, cuts)
        if cut is not None:
            return Finding(
                cut.cause, "error", (expression,), where(cut),
                f"{expression}.grad is None: {expression} does not require grad -- it was "
                f"made by {cut.op} at {where(cut)}{_UNDER.get(cut.cause, '')} (a "
                f"rebinding such as {expression} = {expression} - lr * {expression}.grad makes "
                "a new tensor without history), so no backward() fills its .grad; "
                f"{crash}.",
                f"update it in place so it stays the leaf that requires grad: with "
                f"torch.no_grad(): {expression} -= lr * {expression}.grad"), True
        return Finding(
            "missing_requires_grad", "error", (expression,), at,
            f"{expression}.grad is None: {expression} does not require grad, so backward() "
            f"never fills its .grad; {crash}.",
            f"create it with requires_grad=True or call {expression}.requires_grad_()"), True
    return None


def _last_cut(facts: Facts, cuts: frozenset[int]) -> Event | None:
    if facts.rec is None or not cuts:
        return None
    return facts.rec.events[max(cuts)]
