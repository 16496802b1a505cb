"""The TorchFunctionMode behind `record()`: classifies each torch call and sends it to its
handler, through one explicit table."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from gradlab.recording import backward, cuts, in_place, silent
from gradlab.recording.books import Books
from gradlab.recording.classify import Category, category, func_name
from gradlab.recording.events import Recording
from gradlab.recording.instrument import INSTRUMENT, TAP, call, clean_anomaly_traceback

__all__ = ["HANDLERS", "Recorder"]

Handler = Callable[[Books, str, tuple[Any, ...], dict[str, Any], Any, FrameType], None]

# what runs after a call of each category has returned (OP, IN_PLACE and BACKWARD are handled
# in `__torch_function__`: the first on its hot path, the others around the call)
HANDLERS: dict[Category, Handler] = {
    Category.DETACH: cuts.detach,
    Category.DATA: cuts.data,
    Category.NUMPY: cuts.numpy,
    Category.ITEM: cuts.item,
    Category.REWRAP: cuts.rewrap,
    Category.TO: cuts.to,
    Category.GRAD_READ: backward.grad_read,
    Category.REQUIRES_GRAD: backward.requires_grad,
    Category.IS_LEAF: backward.is_leaf,
    Category.INITIALISER: silent.initialiser,
    Category.ZERO_DERIVATIVE: silent.zero_derivative,
    Category.MULTIPLY: silent.multiply,
    Category.SINGULAR: silent.singular,
}

_known: dict[Any, tuple[str, Category]] = {}  # func -> (name, category): once per function
_is_compiling = torch.compiler.is_compiling
_IGNORE, _GRAD_READ, _OP = Category.IGNORE, Category.GRAD_READ, Category.OP
_IN_PLACE, _BACKWARD = Category.IN_PLACE, Category.BACKWARD
_all_tracked, _op = cuts.all_tracked, cuts.op
_anomaly_enabled, _Tensor = torch.is_anomaly_enabled, torch.Tensor


class Recorder(TorchFunctionMode):
    """Sees every torch call while `record()` is active. Inside `__torch_function__` the mode
    is off, so the bookkeeping of the handlers runs plain torch."""

    def __init__(self, recording: Recording) -> None:
        super().__init__()
        self.recording = recording
        self.books = Books(recording)

    def raised(self, error: Exception, frame: FrameType, op: str) -> None:
        """Note an error that left a call the recorder did not see op by op."""
        in_place.raised(self.books, error, frame, op=op)

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        known = _known.get(func)
        if known is None:
            name = func_name(func)
            known = (name, category(name))
            with contextlib.suppress(TypeError):  # unhashable: classified again next time
                _known[func] = known
        name, kind = known
        self.recording.ops += 1
        if (kind is _IGNORE or (kind is _GRAD_READ and args[0].is_leaf)
                or _is_compiling()):  # torch.compile traces: stay out of its way
            return func(*args, **kwargs) if kwargs else func(*args)  # the hot path stays short
        filters = warnings.filters
        if not filters or filters[0] is not TAP:
            INSTRUMENT.front_tap(filters)
        if kind is _OP and not (kwargs and kwargs.get("inplace") is True):  # most calls
            try:
                out = func(*args, **kwargs) if kwargs else func(*args)
            except Exception as error:
                in_place.raised(self.books, error, sys._getframe(1), op=name)
                raise
            if _anomaly_enabled():
                clean_anomaly_traceback(out, sys._getframe(1), func)
            if not ((out.requires_grad if isinstance(out, _Tensor) else _all_tracked((out,)))
                    and _all_tracked(args) and (not kwargs or _all_tracked(kwargs.values()))):
                _op(self.books, name, args, kwargs or {}, out, sys._getframe(1))
            return out  # else history flows through: nothing new
        kwargs = kwargs or {}
        frame = sys._getframe(1)
        books = self.books
        if kind is _IN_PLACE or kind is _OP:  # (an op with inplace=True)
            return in_place.in_place(books, func, name, args, kwargs, frame)
        if kind is _BACKWARD:
            return backward.backward(books, func, name, args, kwargs, frame)
        try:
            out = call(func, args, kwargs, frame)
        except Exception as error:
            in_place.raised(books, error, frame, op=name)
            raise
        HANDLERS[kind](books, name, args, kwargs, out, frame)
        return out
