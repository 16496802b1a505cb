"""Handlers around backward: the calls to backward()/autograd.grad(), the gradients an optimizer
step already used, `requires_grad` changes, optimizers taking tensors in, and `.grad` reads."""

from __future__ import annotations

import inspect
import weakref
from types import FrameType
from typing import Any

import torch

from gradlab._autograd import foreach_norm, grad_fn_name
from gradlab.recording.books import Books, Stepped, shape
from gradlab.recording.cuts import tensors_out
from gradlab.recording.events import Where
from gradlab.recording.frames import in_zero_grad, plain_frame, user_stack, user_where
from gradlab.recording.in_place import raised, stale_uses
from gradlab.recording.instrument import call
from gradlab.recording.terms import loss_terms

__all__ = ["backward", "grad_read", "is_leaf", "requires_grad"]

_ADD_PARAM_GROUP = inspect.unwrap(torch.optim.Optimizer.add_param_group).__code__


def backward(books: Books, func: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
             frame: FrameType) -> Any:
    """Note the tensors given to backward() / autograd.grad(), and the exception that passes
    through the call (re-raised unchanged: the code may catch it, gradlab still saw it)."""
    first = args[0] if args else kwargs.get("tensors", kwargs.get("outputs"))
    tensors = [first] if isinstance(first, torch.Tensor) else tensors_out(first)
    create = bool(kwargs.get("create_graph"))
    retain = bool(kwargs.get("retain_graph")) or create
    where = user_where(frame)
    op = "autograd.grad" if name == "grad" else name
    if books.changed_behind:
        stale_uses(books, op, tensors, frame)
    if name == "backward":
        _grads_kept(books, where)
    events = [books.event("backward", op, where, tensor=weakref.ref(t), retain_graph=retain,
                          producer=grad_fn_name(t)) for t in tensors]
    if name == "backward":  # read the losses' terms while their graphs are whole
        for event, t in zip(events, tensors, strict=True):
            read = loss_terms(books.recording, event, t)
            if read is not None:
                books.recording.terms[read[0]] = read[1]
    try:
        return call(func, args, kwargs, frame)
    except Exception as error:
        for event in events:
            event.failed = True
        cuts: frozenset[int] = frozenset()  # why the tensors had no history, while alive
        for t in tensors:
            cuts |= books.recording.origin(t)[0]
        raised(books, error, frame, cuts, op)
        raise


def _followed(grad: torch.Tensor) -> bool:
    """True for a gradient whose values are read (not sparse, not on the meta device)."""
    return grad.layout == torch.strided and grad.device.type != "meta"


def _note_stepped(books: Books) -> None:
    """Follow the parameters optimizer steps changed since the last look."""
    events = books.recording.events
    for event in events[books.scanned:]:
        if (p := event.stepped()) is not None and p.is_leaf and p.requires_grad:
            books.stepped.setdefault(id(p), Stepped(weakref.ref(p))).since_reset = True
    books.scanned = len(events)


def _grad_sizes(grads: list[torch.Tensor | None]) -> list[float]:
    """The norms of the followed gradients among `grads`, in one call."""
    dense = [g for g in grads if g is not None and _followed(g)]
    if not dense:
        return []
    with torch.no_grad():
        norms = foreach_norm(dense, 1)
    return (torch.stack(norms).tolist() if len({n.device for n in norms}) == 1
            else [float(n) for n in norms])


def _grads_kept(books: Books, where: Where) -> None:
    """Before a backward: note the parameters an optimizer stepped whose `.grad` still
    holds a gradient that a step used (`grad_kept`: this backward adds to it), and those
    whose kept gradient was reset since (`grad_reset`). Does nothing before a first step."""
    _note_stepped(books)
    alive = [(state, p) for state in books.stepped.values() if (p := state.ref()) is not None]
    if len(alive) < len(books.stepped):
        books.stepped = {id(p): state for state, p in alive}
    grads = [(state, p.grad) for state, p in alive]
    size = iter(_grad_sizes([g for _, g in grads]))
    kept: list[weakref.ref[torch.Tensor]] = []
    reset: list[weakref.ref[torch.Tensor]] = []
    for state, grad in grads:
        if grad is not None and not _followed(grad):
            continue
        if grad is None or next(size) == 0:
            if state.kept:
                reset.append(state.ref)
            state.since_reset = state.kept = False
        elif state.since_reset and not state.kept:
            state.kept = True
            kept.append(state.ref)
    if kept:
        books.event("grad_kept", "backward", where, params=tuple(kept))
    if reset:
        books.event("grad_reset", "backward", where, params=tuple(reset))


def requires_grad(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                  out: Any, frame: FrameType) -> None:
    """`requires_grad_()` or `x.requires_grad = ...` (not zero_grad()'s on its own .grad)."""
    t = args[0]
    value = args[1] if len(args) > 1 else kwargs.get("requires_grad", True)
    if isinstance(t, torch.Tensor) and not in_zero_grad(frame):
        entry = books.provenance_of(t)
        books.event("requires_grad", name, user_where(frame), tensor=weakref.ref(t),
                    shape=shape(t), set_to=bool(value),
                    cuts=entry.cuts if entry else frozenset(),
                    leaves=entry.leaves if entry else frozenset())
        if entry is not None and t.requires_grad:  # a re-wrap made a fresh leaf of it
            for index in entry.cuts:
                if books.recording.events[index].cause == "rewrap":
                    books.recording.events[index].fresh_leaf = True


def is_leaf(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
            frame: FrameType) -> None:
    """An optimizer taking a tensor in (`Optimizer.add_param_group`) reads its `is_leaf`: note
    the tensor, and the 'can't optimize a non-leaf Tensor' error about to pass through torch's
    Python code (where no torch call sees it) when it is not a leaf."""
    caller = plain_frame(frame, None)
    if caller.f_code is not _ADD_PARAM_GROUP:
        return
    t = args[0]
    books.event("optimizer_param", "add_param_group", user_where(caller),
                tensor=weakref.ref(t), shape=shape(t))
    optimizer = caller.f_locals.get(_ADD_PARAM_GROUP.co_varnames[0])  # add_param_group's self
    if not out and not t.retains_grad and not getattr(optimizer, "defaults", {}).get(
            "differentiable"):
        books.event("torch_error", "add_param_group", user_where(caller), error="ValueError",
                    message="can't optimize a non-leaf Tensor", stack=user_stack(caller))


def grad_read(books: Books, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
              frame: FrameType) -> None:
    """`x.grad` of a non-leaf that does not retain its gradient: always None."""
    t = args[0]
    if isinstance(t, torch.Tensor) and not t.is_leaf and not t.retains_grad:
        books.event("grad_read", ".grad", user_where(frame), tensor=weakref.ref(t),
                    shape=shape(t), producer=grad_fn_name(t))
