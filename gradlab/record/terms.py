"""The terms of a loss given to backward(), read from its graph when backward() is called.

A loss that a training step builds and drops (a GAN step in a helper function, a loop that
rebinds `loss`) is gone when the run is analysed. What the rules need of it is kept as plain
data: the terms its top-level sum adds up, the leaves each term reaches (by id) and the cuts
whose values joined inside it, and the joins on the sum itself (terms without history). The
graph is read only when a cut's value joined a tracked op since the last backward: a step
without a cut has no such term, and costs nothing. No tensor is held, and a loop keeps one
record per step of its code (the last), not one per iteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from gradlab._autograd import graph_nodes
from gradlab.record.events import Event, Recording

__all__ = ["Term", "Terms", "loss_terms"]

_SUMS = ("AddBackward", "SubBackward", "RsubBackward", "NegBackward")
_SCALES = ("MulBackward", "DivBackward")  # a term scaled by a constant is still one term


@dataclass(frozen=True)
class Term:
    """One term of a loss: its top graph node, the leaves it reaches, the cuts joined in it."""

    node: str
    leaves: frozenset[int]  # ids of the leaves that require grad it reaches
    cuts: frozenset[int]  # the cut events whose values joined a tracked op inside it


@dataclass(frozen=True)
class Terms:
    """The terms of the loss given to one backward() call."""

    backward: int  # the index of the backward event
    terms: tuple[Term, ...]
    sums: frozenset[int]  # the join events on the nodes that add the terms up

    def key(self, recording: Recording) -> tuple[Any, ...]:
        """What tells one step of the code from another: the backward's line, the terms' nodes
        and the lines of their cuts (a loop's iterations share it)."""
        events = recording.events
        cuts = frozenset(events[i].where for term in self.terms for i in term.cuts)
        return (events[self.backward].where, tuple(t.node for t in self.terms), cuts,
                frozenset(events[i].where for i in self.sums))


def loss_terms(recording: Recording, backward: Event, loss: torch.Tensor) -> Terms | None:
    """The terms of `loss`, when a cut's value joined a tracked op since the last backward."""
    if loss.grad_fn is None or not _cut_joined(recording.events, backward.index):
        return None
    sums, tops = _split(loss.grad_fn)
    terms = []
    for top in tops:
        nodes = graph_nodes([top])
        leaves = frozenset(id(v) for node in nodes
                           if isinstance(v := getattr(node, "variable", None), torch.Tensor))
        cuts = frozenset(i for node in nodes for e in recording.node_events(node)
                         for i in e.cuts)
        terms.append(Term(top.name(), leaves, cuts))
    joined = frozenset(e.index for node in sums for e in recording.node_events(node)
                       if e.cuts)
    return Terms(backward.index, tuple(terms), joined)


def _cut_joined(events: list[Event], before: int) -> bool:
    """True when a join with a cut behind it was recorded since the backward before event
    `before`."""
    for index in range(before - 1, -1, -1):
        event = events[index]
        if event.kind == "backward":
            return False
        if event.kind == "join" and event.cuts:
            return True
    return False


def _split(root: Any) -> tuple[list[Any], list[Any]]:
    """The nodes that add the loss up (+, -, and scaling by a constant) and the terms' tops."""
    sums: list[Any] = []
    tops: list[Any] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children = [child for child, _ in node.next_functions if child is not None]
        name = node.name()
        if name.startswith(_SUMS) or (name.startswith(_SCALES) and len(children) == 1):
            sums.append(node)
            stack.extend(children)
        else:
            tops.append(node)
    return sums, tops
