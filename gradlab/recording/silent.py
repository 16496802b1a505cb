"""Handlers of silent failures: ops whose gradient is zero on purpose or almost everywhere, ops
whose backward gives NaN/Inf on these values, and tensors made like a weight."""

from __future__ import annotations

import weakref
from types import FrameType
from typing import Any

import torch

from gradlab._autograd import storage_address
from gradlab.recording.books import Books, fresh, shape
from gradlab.recording.cuts import op
from gradlab.recording.frames import user_where

__all__ = ["initialiser", "multiply", "nan_reason", "singular", "zero_derivative"]


def _any(mask: torch.Tensor) -> bool:
    return bool(mask.any())


def _hides_non_finite(name: str, args: tuple[Any, ...]) -> bool:
    """True when a masking op (where, clamp, nan_to_num) gets a non-finite value that requires
    grad: the forward hides it, the backward multiplies by it."""
    branches = args[1:3] if name == "where" else args[:1]
    return any(isinstance(b, torch.Tensor) and b.requires_grad and b.is_floating_point()
               and _any(~torch.isfinite(b)) for b in branches)


def nan_reason(name: str, args: tuple[Any, ...], out: torch.Tensor) -> str:
    """Why the backward of this op gives NaN or Inf on these values, or "" (cheap checks, run
    only on a few ops whose output requires grad)."""
    x = args[0] if args and isinstance(args[0], torch.Tensor) else None
    if name in ("where", "nan_to_num", "clamp", "clip", "clamp_max", "clamp_min", "masked_fill"):
        return ("its input holds NaN/Inf that the forward hides but backward multiplies by"
                if _hides_non_finite(name, args) else "")
    if name == "exp":
        return "exp overflowed to inf" if _any(torch.isinf(out)) else ""
    if name in ("__truediv__", "__div__", "div", "divide", "true_divide", "__rtruediv__",
                "reciprocal"):
        d = args[0] if name in ("__rtruediv__", "reciprocal") else (
            args[1] if len(args) > 1 else None)
        return "division by 0" if isinstance(d, torch.Tensor) and _any(d == 0) else ""
    if x is None:
        return ""
    if name in ("sqrt", "rsqrt"):
        return f"{name} of 0: the slope is infinite" if _any(x == 0) else ""
    if name in ("log", "log2", "log10"):
        return f"{name} of 0" if _any(x == 0) else ""
    if name == "log1p":
        return "log1p of -1" if _any(x == -1) else ""
    if name in ("acos", "asin", "arccos", "arcsin"):
        return f"{name} at +-1: the slope is infinite" if _any((x >= 1) | (x <= -1)) else ""
    exponent = args[1] if len(args) > 1 else None
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if 0 < exponent < 1 and _any(x == 0):
            return f"pow(0, {exponent}): the slope is infinite"
        if exponent != int(exponent) and _any(x < 0):
            return f"pow of a negative base with the fractional exponent {exponent}"
    return ""


def _is_zero(value: Any) -> bool:
    """True for the Python number 0 (not a tensor, not False)."""
    return type(value) in (int, float) and value == 0


def multiply(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
             frame: FrameType) -> None:
    """`x * 0.0`: the gradient through this node is zero on purpose (a term kept in the
    graph so that DistributedDataParallel sees every parameter used)."""
    op(books, name, args, kwargs, out, frame)
    if (len(args) == 2 and (_is_zero(args[1]) or _is_zero(args[0]))
            and isinstance(out, torch.Tensor) and out.grad_fn is not None):
        event = books.event("times_zero", name, user_where(frame), producer=out.grad_fn.name())
        books.mark(out.grad_fn)[books.recording.tag + ":times_zero"] = event.index


def initialiser(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                out: Any, frame: FrameType) -> None:
    """randn, zeros...: a tensor made like a weight, not computed like a constant."""
    if isinstance(out, torch.Tensor):
        books.recording.initialised[id(out)] = weakref.ref(out)
        address = storage_address(out)
        if address is not None:
            books.recording.initialised_storage.add(address)
        fresh(books, name, out, frame)


def zero_derivative(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                    out: Any, frame: FrameType) -> None:
    """round, floor, sign...: note the node, whose derivative is zero almost everywhere."""
    op(books, name, args, kwargs, out, frame)
    if isinstance(out, torch.Tensor) and out.grad_fn is not None:
        event = books.event("zero_derivative", name, user_where(frame),
                            producer=out.grad_fn.name())
        books.mark(out.grad_fn)[books.recording.tag + ":zero"] = event.index


def singular(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
             frame: FrameType) -> None:
    """sqrt, log, division...: note the node when these values make its backward NaN/Inf."""
    op(books, name, args, kwargs, out, frame)
    if not isinstance(out, torch.Tensor) or out.grad_fn is None:
        return
    problem = nan_reason(name, args, out)
    if problem:
        event = books.event("nan_risk", name, user_where(frame), producer=out.grad_fn.name(),
                            shape=shape(out), reason=problem)
        books.mark(out.grad_fn)[books.recording.tag + ":nan"] = event.index
