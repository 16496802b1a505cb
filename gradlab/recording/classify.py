"""Classifying torch calls by name: which handler of the recorder a call goes to."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

__all__ = ["Category", "category", "func_name"]


class Category(enum.Enum):
    """What kind of call a torch function is, for the recorder."""

    IGNORE = enum.auto()  # attribute reads, shape queries: nothing to note
    OP = enum.auto()  # any other op: a cut, a join, or history flowing through
    DETACH = enum.auto()
    DATA = enum.auto()  # `x.data`
    GRAD_READ = enum.auto()  # `x.grad`
    NUMPY = enum.auto()
    REWRAP = enum.auto()  # torch.tensor(...) and kin
    ITEM = enum.auto()  # item(), tolist(), float(t)
    IS_LEAF = enum.auto()  # `x.is_leaf`: read by an optimizer taking a tensor in
    BACKWARD = enum.auto()  # backward(), autograd.grad()
    REQUIRES_GRAD = enum.auto()
    TO = enum.auto()  # dtype and device changes
    IN_PLACE = enum.auto()
    INITIALISER = enum.auto()  # randn, zeros...: a tensor made like a weight
    ZERO_DERIVATIVE = enum.auto()  # round, sign...
    MULTIPLY = enum.auto()
    SINGULAR = enum.auto()  # sqrt, log, division...: NaN/Inf in backward on some values


_DTYPE_CHANGERS = {"to", "double", "float", "half", "bfloat16", "cuda", "cpu", "type"}
INTEGER_CASTS = {"long", "int", "short", "bool", "byte", "char"}
_IN_PLACE_DUNDERS = {"__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__",
                     "__ifloordiv__", "__imod__", "__ipow__", "__iand__", "__ior__", "__ixor__",
                     "__ilshift__", "__irshift__", "__imatmul__"}
_ZERO_DERIVATIVE = {"round", "floor", "ceil", "trunc", "fix", "sign", "sgn", "__round__",
                    "__floor__", "__ceil__", "__trunc__"}
_SINGULAR = {"sqrt", "rsqrt", "log", "log2", "log10", "log1p", "acos", "asin", "arccos", "arcsin",
             "div", "divide", "true_divide", "__truediv__", "__rtruediv__", "__div__",
             "reciprocal", "pow", "__pow__", "float_power", "exp", "where", "nan_to_num", "clamp",
             "clip", "clamp_max", "clamp_min", "masked_fill"}
_MULTIPLY = {"mul", "multiply", "__mul__", "__rmul__"}
_CONSTRUCTORS_FROM_SHAPE = {"zeros_like", "ones_like", "empty_like", "full_like", "rand_like",
                            "randn_like", "randint_like", "size", "dim", "numel", "shape",
                            "new_zeros", "new_ones", "new_empty", "new_full"}
_INITIALISERS = {"randn", "rand", "zeros", "ones", "empty", "full", "normal", "eye"}
# names that always mean one category
_BY_NAME = {
    "detach": Category.DETACH, "detach_": Category.DETACH, "data.__get__": Category.DATA,
    "grad.__get__": Category.GRAD_READ, "numpy": Category.NUMPY,
    **dict.fromkeys(("tensor", "as_tensor", "new_tensor", "Tensor"), Category.REWRAP),
    **dict.fromkeys(("item", "tolist", "__float__"), Category.ITEM),  # __float__: float(t)
    "is_leaf.__get__": Category.IS_LEAF,
    "backward": Category.BACKWARD, "grad": Category.BACKWARD,  # Tensor.backward, autograd.*
    "requires_grad_": Category.REQUIRES_GRAD, "requires_grad.__set__": Category.REQUIRES_GRAD,
    **dict.fromkeys(_DTYPE_CHANGERS, Category.TO),
}


def func_name(func: Callable[..., Any]) -> str:
    """A torch function's name; attribute access is `<attribute>.__get__` / `.__set__`."""
    name = getattr(func, "__name__", None) or str(func)
    if name in ("__get__", "__set__"):
        owner = getattr(func, "__self__", None)
        name = f"{getattr(owner, '__name__', '?')}.{name}"
    return name


def category(name: str) -> Category:
    """What kind of call a function is, from its name."""
    known = _BY_NAME.get(name)
    if known is not None:
        return known
    if name.endswith((".__get__", ".__set__")):
        return Category.IGNORE  # other attribute reads and writes (`dtype`, `p.grad = None`)
    if (name in _IN_PLACE_DUNDERS
            or (name.endswith("_") and not name.startswith("_")
                and name not in ("requires_grad_", "retain_grad_"))
            or (name.startswith("_foreach_") and name.endswith("_"))):
        return Category.IN_PLACE
    if name in _CONSTRUCTORS_FROM_SHAPE:
        return Category.IGNORE
    if name in _INITIALISERS:
        return Category.INITIALISER
    if name in _ZERO_DERIVATIVE:
        return Category.ZERO_DERIVATIVE
    if name in _MULTIPLY:
        return Category.MULTIPLY
    if name in _SINGULAR:
        return Category.SINGULAR
    return Category.OP
