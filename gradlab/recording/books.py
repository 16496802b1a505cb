"""The recorder's books: the state its handlers share, and the provenance bookkeeping on them."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import torch

from gradlab._autograd import grad_fn_name, metadata, sequence_nr, upstream_leaves
from gradlab.recording.events import NOWHERE, Cause, Event, Kind, Provenance, Recording, Where
from gradlab.recording.frames import user_stack, user_where

__all__ = ["Books", "Change", "Stepped", "cut", "fresh", "inherited_cuts", "joins", "shape"]

GRAD_MODES = ("no_grad", "inference_mode")  # cuts made by a block: its line is on the stack


@dataclass
class Change:
    """A `.data` change as stale uses are matched to it, without keeping the tensor alive."""

    event: Event
    sequence: int  # nodes made before the change have smaller sequence numbers
    storage: int
    made_by: tuple[int, str, int] | None  # (sequence number, name, output) of a non-leaf's node


@dataclass
class Stepped:
    """A parameter an optimizer stepped, as the recorder follows its `.grad`."""

    ref: weakref.ref[torch.Tensor]
    since_reset: bool = False  # stepped since its gradient was last None or zero
    kept: bool = False  # its .grad holds a gradient a step already used


@dataclass(slots=True)
class Books:
    """What one recording's handlers read and write besides the `Recording` itself."""

    recording: Recording
    scalars: dict[int, tuple[float, frozenset[int]]] = field(default_factory=dict)
    arrays: list[tuple[weakref.ref[Any], frozenset[int]]] = field(default_factory=list)
    leaf_keys: dict[int, int] = field(default_factory=dict)
    changed_behind: list[Change] = field(default_factory=list)  # .data changes not backwarded
    stepped: dict[int, Stepped] = field(default_factory=dict)  # parameters an optimizer stepped
    scanned: int = 0  # the events the last look for stepped parameters has read

    def event(self, kind: Kind, op: str, where: Where, **fields: Any) -> Event:
        """Add an event to the recording."""
        events = self.recording.events
        event = Event(len(events), kind, op, where, **fields)
        events.append(event)
        return event

    def mark(self, node: Any) -> dict[str, Any]:
        """The metadata of `node`, for this recording to write into."""
        self.recording.marked.add(sequence_nr(node))
        return metadata(node)

    def set_provenance(self, t: torch.Tensor, cuts: frozenset[int],
                       leaves: frozenset[int]) -> None:
        """Note the cuts and leaves behind a tensor without history."""
        key = id(t)
        provenance = self.recording.provenance
        provenance[key] = Provenance(weakref.ref(t, _forget(provenance, key)), cuts, leaves)

    def provenance_of(self, t: torch.Tensor) -> Provenance | None:
        """The provenance noted for `t`, if any."""
        entry = self.recording.provenance.get(id(t))
        if entry is not None and entry.ref() is t:
            return entry
        return None

    def leaf_key(self, t: torch.Tensor) -> int:
        """Give a history-free leaf a stable key (the order in which it was first seen)."""
        key = self.leaf_keys.get(id(t))
        if key is not None and self.recording.leaf_refs[key]() is t:
            return key
        key = len(self.recording.leaf_refs)
        self.leaf_keys[id(t)] = key
        self.recording.leaf_refs[key] = weakref.ref(t)
        return key

    def from_numpy(self, t: torch.Tensor) -> frozenset[int]:
        """Return the cuts of numpy arrays that share memory with `t` (`torch.from_numpy`)."""
        if not self.arrays or t.device.type != "cpu" or t.layout != torch.strided:
            return frozenset()
        try:
            start = t.data_ptr()
        except RuntimeError:  # no storage (a functorch-wrapped or meta tensor): no array shares it
            return frozenset()
        end = start + t.numel() * t.element_size()
        cuts: frozenset[int] = frozenset()
        for ref, array_cuts in self.arrays:
            array = ref()
            if array is None:
                continue
            a_start = array.__array_interface__["data"][0]
            if a_start < end and start < a_start + array.nbytes:
                cuts |= array_cuts
        return cuts

    def history_free_origin(self, t: torch.Tensor) -> tuple[frozenset[int], frozenset[int]]:
        """Return (cuts, leaves) behind a tensor that does not require grad."""
        entry = self.provenance_of(t)
        if entry is not None:
            return entry.cuts, entry.leaves
        if t.grad_fn is None and t.is_floating_point():
            cuts = self.from_numpy(t)
            if cuts:
                self.set_provenance(t, cuts, frozenset())
                return cuts, frozenset()
            return frozenset(), frozenset({self.leaf_key(t)})
        return frozenset(), frozenset()


def _forget(provenance: dict[int, Provenance], key: int) -> Callable[[Any], None]:
    def drop(_: Any) -> None:
        entry = provenance.get(key)
        if entry is not None and entry.ref() is None:
            del provenance[key]
    return drop


def shape(t: torch.Tensor) -> tuple[int, ...]:
    """A tensor's shape as plain ints."""
    return tuple(int(s) for s in t.shape)


def cut(books: Books, cause: Cause, op: str, sources: list[torch.Tensor],
        outputs: list[torch.Tensor], frame: FrameType | None,
        extra_cuts: frozenset[int] = frozenset()) -> int | None:
    """Record that `outputs` lost the history of `sources`; return the event index."""
    index = None
    cuts = extra_cuts
    if sources:
        leaves = tuple(itertools.chain.from_iterable(upstream_leaves(s) for s in sources))
        node = next((grad_fn_name(s) for s in sources if s.grad_fn is not None), "")
        event = books.event("cut", op, user_where(frame), cause=cause, source_leaves=leaves,
                            source_node=node, shape=shape(sources[0]),
                            stack=user_stack(frame) if cause in GRAD_MODES else ())
        index = event.index
        cuts = cuts | {index}
    for out in outputs:
        if not out.requires_grad:
            books.set_provenance(out, cuts, frozenset())
    return index


def inherited_cuts(books: Books, inputs: list[torch.Tensor]) -> frozenset[int]:
    """The cuts behind the history-free inputs of a call."""
    cuts: frozenset[int] = frozenset()
    if books.recording.provenance or books.arrays:
        for t in inputs:
            if not t.requires_grad:
                cuts |= books.history_free_origin(t)[0]
    return cuts


def joins(books: Books, name: str, inputs: list[torch.Tensor], output: torch.Tensor,
          frame: FrameType) -> None:
    """Mark the graph node where history-free values entered a tracked op."""
    cuts: frozenset[int] = frozenset()
    leaves: frozenset[int] = frozenset()
    for t in inputs:
        if not t.requires_grad and t.is_floating_point():
            more_cuts, more_leaves = books.history_free_origin(t)
            cuts, leaves = cuts | more_cuts, leaves | more_leaves
    if not (cuts or leaves) or output.grad_fn is None:
        return
    where = user_where(frame) if cuts else NOWHERE
    event = books.event("join", name, where, cuts=cuts, leaves=leaves,
                        producer=output.grad_fn.name(), shape=shape(output))
    tag = books.recording.tag
    books.mark(output.grad_fn).setdefault(tag, []).append(event.index)


def fresh(books: Books, name: str, out: torch.Tensor, frame: FrameType) -> None:
    """Note a one-element tensor made from plain numbers (`torch.tensor(0.)`, `torch.zeros(1)`):
    a constant that may stand in for a loss term."""
    if out.numel() == 1 and not out.requires_grad and out.is_floating_point():
        books.event("fresh", name, user_where(frame), tensor=weakref.ref(out),
                    leaves=frozenset({books.leaf_key(out)}), shape=shape(out))
