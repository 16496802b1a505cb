"""Handlers of in-place changes: versions, changes made through `.data` behind autograd's back,
and the graph nodes those changes make stale."""

from __future__ import annotations

import weakref
from types import FrameType
from typing import Any

import torch

from gradlab._autograd import (
    grad_fn,
    grad_fn_name,
    inner_nodes,
    next_sequence_nr,
    saved_tensors,
    sequence_nr,
    storage_address,
    upstream_leaves,
    version,
)
from gradlab.recording.books import Books, Change, cut, inherited_cuts, joins, shape
from gradlab.recording.cuts import tensors_in, tensors_out
from gradlab.recording.events import Cause, Event, Origin, Where
from gradlab.recording.frames import made_by_init, user_stack, user_where
from gradlab.recording.instrument import call, stepping

__all__ = ["in_place", "stale_uses"]


def _made_by(frame: FrameType) -> tuple[Where, Origin | None]:
    """Where an in-place change was made for the user, and by whom: `optimizer.step` during an
    optimizer's step (at the line that called step()), `init` when torch.nn.init made it."""
    step = stepping()
    if step is not None:
        return step, "optimizer.step"
    return user_where(frame), "init" if made_by_init(frame) else None


def in_place(books: Books, func: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any],
             frame: FrameType) -> Any:
    """Make an in-place call; note each tensor whose version it changed."""
    # torch.nn.init's functions pass their tensor by keyword
    first = args[0] if args else kwargs.get("tensor")
    targets = [first] if isinstance(first, torch.Tensor) else tensors_out(first)
    before = [(t, version(t), grad_fn_name(t), t.requires_grad) for t in targets]
    try:
        out = call(func, args, kwargs, frame)
    except RuntimeError as error:
        if "leaf Variable that requires grad" in str(error):
            for t, was, producer, _ in before:
                books.event("in_place", name, user_where(frame), tensor=weakref.ref(t),
                            shape=shape(t), version_before=was, producer=producer,
                            refused=True)
        raised(books, error, frame, op=name)
        raise
    made: tuple[Where, Origin | None] | None = None
    for t, was, producer, required_grad in before:
        if version(t) == was:
            continue
        if made is None:
            made = _made_by(frame)
        # the code's own change of a parameter, or of x.data: what its new value came from
        by_hand = made[1] is None and not producer and (
            required_grad or books.provenance_of(t) is not None)
        sources = _operand_leaves(books, args[1:], kwargs) if by_hand else ()
        books.event("in_place", name, made[0], tensor=weakref.ref(t), shape=shape(t),
                    version_before=was, producer=producer, origin=made[1],
                    source_leaves=sources if required_grad else ())
        if not t.requires_grad:
            _after_in_place_without_grad(books, name, t, args, kwargs, frame, sources)
        elif books.recording.provenance and grad_fn(t) is not None:
            if not required_grad:  # given history by its operand: `p.data -= lr * g`
                _behind_autograd(books, name, t, frame)
            joins(books, name, tensors_in(args[1:], kwargs), t, frame)
    return out


def _operand_leaves(books: Books, args: tuple[Any, ...], kwargs: dict[str, Any]
                    ) -> tuple[weakref.ref[torch.Tensor], ...]:
    """The leaves requiring grad that the operands of a change made by hand to a leaf were
    computed from (`target.lerp_(p, tau)`, `copy_` from a state_dict): the change's sources."""
    found: list[weakref.ref[torch.Tensor]] = []
    for s in tensors_in(args, kwargs):
        if s.requires_grad and grad_fn(s) is None:  # a leaf (a value with history: no walk)
            found.extend(upstream_leaves(s))
        elif (entry := books.provenance_of(s)) is not None:
            events = books.recording.events
            found.extend(ref for i in sorted(entry.cuts) for ref in events[i].source_leaves)
    return tuple(found)


def raised(books: Books, error: Exception, frame: FrameType,
           cuts: frozenset[int] = frozenset(), op: str = "") -> None:
    """Note an exception passing through the torch call `op` (re-raised unchanged by the
    caller: the code may catch it, gradlab still saw it), with the cuts behind its tensors."""
    books.event("torch_error", op, user_where(frame), error=type(error).__name__,
                message=str(error), stack=user_stack(frame), cuts=cuts)


def _after_in_place_without_grad(books: Books, name: str, t: torch.Tensor,
                                 args: tuple[Any, ...], kwargs: dict[str, Any],
                                 frame: FrameType,
                                 made_from: tuple[weakref.ref[torch.Tensor], ...]) -> None:
    _behind_autograd(books, name, t, frame, made_from)
    inputs = tensors_in(args[1:], kwargs)
    sources = [s for s in inputs if s.requires_grad]
    inherited = inherited_cuts(books, inputs)
    if (sources and not torch.is_grad_enabled()) or inherited:
        cause: Cause = "inference_mode" if torch.is_inference_mode_enabled() else "no_grad"
        cut(books, cause, name, sources, [t], frame, inherited)


def _behind_autograd(books: Books, name: str, t: torch.Tensor, frame: FrameType,
                     made_from: tuple[weakref.ref[torch.Tensor], ...] = ()) -> None:
    """An in-place change to `x.data` (here `t`), its new value computed from the leaves
    `made_from`: x's version counter does not see it. When the change gave `t` history
    (`p.data -= lr * g`), .data drops that history too."""
    entry = books.provenance_of(t)
    if entry is None:
        return
    events = books.recording.events
    cuts = [events[i] for i in sorted(entry.cuts) if events[i].cause == "data_attribute"]
    storage = storage_address(t)
    sources = [(c, x) for c in cuts
               if c.tensor is not None and (x := c.tensor()) is not None
               and storage_address(x) == storage]  # not a copy: `p.data.clone().zero_()`
    if storage is None or not sources:
        return
    kept = _kept_graph_behind(books, t) if grad_fn(t) is not None else None
    now = next_sequence_nr()
    for data_cut, source in sources:
        event = books.event(
            "behind_autograd", name, user_where(frame), tensor=weakref.ref(source),
            shape=shape(source), producer=grad_fn_name(source), stack=user_stack(frame)[:1],
            cuts=frozenset({data_cut.index}), kept_graph=kept.index if kept else None,
            source_leaves=made_from)
        node = grad_fn(source)
        made_by = None if node is None else (sequence_nr(node), node.name(), source.output_nr)
        books.changed_behind.append(Change(event, now, storage, made_by))


def _kept_graph_behind(books: Books, t: torch.Tensor) -> Event | None:
    """The backward that kept its graph (create_graph / retain_graph) and whose graph the
    history of `t` runs through: `t` was computed from a gradient meant to be differentiated."""
    kept = [e for e in books.recording.events if e.kind == "backward" and e.retain_graph
            and not e.failed]
    if not kept:
        return None
    behind = inner_nodes([grad_fn(t)])
    for event in reversed(kept):
        loss = event.tensor() if event.tensor is not None else None
        if loss is not None and not behind.keys().isdisjoint(inner_nodes([grad_fn(loss)])):
            return event
    return None


def stale_uses(books: Books, op: str, losses: list[torch.Tensor], frame: FrameType) -> None:
    """Before the backward call `op`: nodes made before a `.data` change that used the changed
    weight (a leaf) or saved the changed non-leaf's memory, whose backward sees the new values;
    and nodes made after it that used a changed non-leaf, whose gradient ignores the change
    (`after_change`). Matched by storage and node identity: a non-leaf changed inside a
    forward is gone by now."""
    weights = {c.storage: c for c in books.changed_behind if c.made_by is None}
    saved_before = {c.event.index: c for c in books.changed_behind if c.made_by is not None}
    used_after = {c.made_by: c for c in saved_before.values() if c.made_by is not None}
    books.changed_behind = []
    last = max((c.sequence for c in saved_before.values()), default=0)
    seen: dict[int, Any] = {}  # keeps the nodes alive: ids stay unique during the walk
    stack = [node for loss in losses if (node := grad_fn(loss)) is not None]
    while stack and (weights or saved_before or used_after):
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        made = sequence_nr(node)
        for child, nr in node.next_functions:
            if child is None:
                continue
            stack.append(child)
            variable = getattr(child, "variable", None) if weights else None
            storage = None if variable is None else storage_address(variable)
            change = None if storage is None else weights.get(storage)
            if change is not None and made < change.sequence:
                _stale_use(books, op, node, change.event, frame, False)
                del weights[change.storage]
            if not used_after:
                continue
            key = (sequence_nr(child), child.name(), nr)
            change = used_after.get(key)
            if change is not None and made >= change.sequence:
                _stale_use(books, op, node, change.event, frame, True)
                del used_after[key]
        if made >= last or not saved_before:  # made after every change
            continue
        storages = {storage_address(t) for t in saved_tensors(node)}
        for index, change in list(saved_before.items()):
            if made < change.sequence and change.storage in storages:
                _stale_use(books, op, node, change.event, frame, False)
                del saved_before[index]


def _stale_use(books: Books, op: str, node: Any, change: Event, frame: FrameType,
               after: bool) -> None:
    books.event("stale_use", op, user_where(frame), change=change.index, after_change=after,
                used_by=node.name())
