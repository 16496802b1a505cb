"""Handlers of calls that cut history or carry values without it: ops, detach, `.data`, numpy,
item, re-wraps and dtype changes."""

from __future__ import annotations

import contextlib
import itertools
import weakref
from collections.abc import Iterable
from types import FrameType
from typing import Any

import torch

from gradlab._autograd import grad_fn_name
from gradlab.recording.books import Books, cut, fresh, inherited_cuts, joins, shape
from gradlab.recording.classify import INTEGER_CASTS
from gradlab.recording.events import Cause
from gradlab.recording.frames import user_where

__all__ = ["all_tracked", "data", "detach", "item", "numpy", "op", "rewrap", "tensors_in",
           "tensors_out", "to"]


def tensors_in(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[torch.Tensor]:
    """The tensors among a call's arguments, and in lists or tuples among them."""
    found = []
    for value in itertools.chain(args, kwargs.values()) if kwargs else args:
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(v for v in value if isinstance(v, torch.Tensor))
    return found


def tensors_out(out: Any) -> list[torch.Tensor]:
    """The tensors a call returned."""
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [v for v in out if isinstance(v, torch.Tensor)]
    return []


# arguments that are never tensors, skipped by their type first: isinstance(x, torch.Tensor)
# costs 0.2 us for anything that is not a tensor (torch.Tensor has its own metaclass)
_NOT_TENSORS = frozenset({int, float, bool, str, type(None), torch.dtype, torch.device,
                          torch.layout, torch.memory_format})


def all_tracked(values: Iterable[Any], nested: bool = False) -> bool:
    """Whether every tensor among `values`, or in a list or tuple among them, requires grad
    (a list inside a list counts as not). Plain loops: this runs on every op."""
    for v in values:
        if type(v) in _NOT_TENSORS:
            continue
        if isinstance(v, torch.Tensor):
            if not v.requires_grad:
                return False
        elif isinstance(v, (list, tuple)) and (nested or not all_tracked(v, nested=True)):
            return False
    return True


def _grad_mode_cause() -> Cause:
    return "inference_mode" if torch.is_inference_mode_enabled() else "no_grad"


def op(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
       frame: FrameType) -> None:
    """An op whose output or some input does not require grad: a cut, a join, or a value
    without history made from others."""
    outputs = [out] if isinstance(out, torch.Tensor) else tensors_out(out)
    if not outputs:
        return
    inputs = tensors_in(args, kwargs)
    if not torch.is_grad_enabled():
        sources = [t for t in inputs if t.requires_grad]
        inherited = inherited_cuts(books, inputs)
        if sources or inherited:
            cut(books, _grad_mode_cause(), name, sources, outputs, frame, inherited)
        return
    differentiable = [o for o in outputs if o.requires_grad]
    if differentiable:
        joins(books, name, inputs, differentiable[0], frame)
        if len(differentiable) == len(outputs):
            return
    sources = [t for t in inputs if t.requires_grad]
    loose = [o for o in outputs if not o.requires_grad]
    if sources and not name.startswith("new"):
        # grad mode is on and an input has history, yet this output has none: the op has no
        # derivative (an integer result, or a float one like histc's counts)
        cause: Cause = "integer_dtype" if name in INTEGER_CASTS else "non_differentiable"
        cut(books, cause, name, sources, loose, frame, inherited_cuts(books, inputs))
        return
    cuts: frozenset[int] = frozenset()
    leaves: frozenset[int] = frozenset()
    for t in inputs:
        if not t.requires_grad:
            more_cuts, more_leaves = books.history_free_origin(t)
            cuts, leaves = cuts | more_cuts, leaves | more_leaves
    if cuts or leaves:
        for o in loose:
            books.set_provenance(o, cuts, leaves)


def detach(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
           frame: FrameType) -> None:
    """`x.detach()`: a cut when x had history, else x's provenance carries over."""
    source = args[0]
    if isinstance(source, torch.Tensor) and isinstance(out, torch.Tensor):
        if source.requires_grad:
            cut(books, "detach", name, [source], [out], frame)
        else:
            _inherit(books, source, out)


def data(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
         frame: FrameType) -> None:
    """`x.data`: a cut that remembers x, what an in-place change of the result really changes."""
    source = args[0]
    if isinstance(source, torch.Tensor) and isinstance(out, torch.Tensor):
        if source.requires_grad:
            index = cut(books, "data_attribute", ".data", [source], [out], frame)
            if index is not None:
                books.recording.events[index].tensor = weakref.ref(source)
        else:
            _inherit(books, source, out)


def _inherit(books: Books, source: torch.Tensor, out: torch.Tensor) -> None:
    entry = books.provenance_of(source)
    if entry is not None and not out.requires_grad:
        books.set_provenance(out, entry.cuts, entry.leaves)


def numpy(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
          frame: FrameType) -> None:
    """`x.numpy()` of a value without history: the array carries x's cuts."""
    source = args[0]
    if not isinstance(source, torch.Tensor) or out is None:
        return
    entry = books.provenance_of(source)
    cuts = entry.cuts if entry is not None else frozenset()
    if cuts:
        event = books.event("cut", name, user_where(frame), cause="numpy_roundtrip",
                            cuts=cuts, shape=shape(source))
        cuts = cuts | {event.index}
        with contextlib.suppress(TypeError):  # an array type without weak references
            books.arrays.append((weakref.ref(out), cuts))


def item(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
         frame: FrameType) -> None:
    """`x.item()`, `float(x)`: a Python number that a later re-wrap may turn back."""
    source = args[0]
    if isinstance(source, torch.Tensor) and source.requires_grad and isinstance(out, float):
        index = cut(books, "rewrap", "float" if name == "__float__" else name, [source], [],
                    frame)
        if index is not None:
            books.scalars[id(out)] = (out, frozenset({index}))


def _flat(values: Any) -> list[Any]:
    """The values of a (nested) list or tuple given to torch.tensor."""
    if isinstance(values, (list, tuple)):
        return [v for entry in values for v in _flat(entry)]
    return [values]


def rewrap(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
           frame: FrameType) -> None:
    """`torch.tensor(...)` of values that had history: a cut (a fresh leaf if it requires grad)."""
    if not isinstance(out, torch.Tensor):
        return
    given = args[1] if name == "new_tensor" and len(args) > 1 else (args[0] if args else None)
    values = _flat(given)
    sources = [v for v in values if isinstance(v, torch.Tensor) and v.requires_grad]
    cuts: frozenset[int] = frozenset()
    for v in values:
        if isinstance(v, float) and id(v) in books.scalars and books.scalars[id(v)][0] is v:
            cuts |= books.scalars[id(v)][1]
        elif isinstance(v, torch.Tensor) and not v.requires_grad:
            cuts |= inherited_cuts(books, [v])
        elif v is not None and hasattr(v, "__array_interface__"):
            cuts |= _array_cuts(books, v)
    if sources or cuts:
        index = cut(books, "rewrap", name, sources, [out], frame, cuts)
        if out.requires_grad and index is not None:  # a fresh leaf, not the sources' history
            books.recording.events[index].fresh_leaf = True
    elif all(isinstance(v, (int, float)) for v in values):
        fresh(books, name, out, frame)


def _array_cuts(books: Books, array: Any) -> frozenset[int]:
    cuts: frozenset[int] = frozenset()
    for ref, array_cuts in books.arrays:
        if ref() is array:
            cuts |= array_cuts
    return cuts


def to(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
       frame: FrameType) -> None:
    """A dtype or device change: a leaf turned non-leaf, an integer cut, or an ordinary op."""
    source = args[0]
    if not isinstance(source, torch.Tensor) or not isinstance(out, torch.Tensor):
        return
    if source.is_leaf and source.requires_grad and out is not source and not out.is_leaf:
        books.event("to_non_leaf", name, user_where(frame), tensor=weakref.ref(out),
                    shape=shape(out), producer=grad_fn_name(out))
    elif out.is_floating_point() or out.is_complex():
        op(books, name, args, kwargs, out, frame)
    elif source.requires_grad:
        cut(books, "integer_dtype", name, [source], [out], frame)
