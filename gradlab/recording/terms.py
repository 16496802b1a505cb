"""The terms of a loss given to backward(), read from its graph when backward() is called.

A loss that a training step builds and drops (a GAN step in a helper function, a loop that
rebinds `loss`) is gone when the run is analysed. What the rules need of it is kept as plain
data: the terms its top-level sum adds up, the leaves each term reaches (by id) and the cuts
whose values joined inside it, and the joins on the sum itself (terms without history). The
graph is read only when a cut's value joined a tracked op since the last backward: a step
without a cut has no such term, and costs nothing. No tensor is held, and a loop's step is
read once (at its first iteration), not at every iteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from gradlab._autograd import graph_nodes, metadata, sequence_nr
from gradlab.recording.events import Event, Recording

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


def loss_terms(recording: Recording, backward: Event, loss: torch.Tensor
               ) -> tuple[tuple[Any, ...], Terms] | None:
    """The terms of `loss`, when a cut's value joined a tracked op since the last backward and
    this step of the code (the backward's line, the lines of those cuts) was not read before;
    with the key they are kept under."""
    joined = _cuts_joined(recording.events, backward.index)
    key = (backward.where, frozenset(e.where for e in joined))
    if loss.grad_fn is None or not joined or key in recording.terms:
        return None
    sums, tops = _split(loss.grad_fn)
    terms = [_term(recording, top) for top in tops]
    on_sums = frozenset(e.index for node in sums for e in recording.node_events(node)
                        if e.cuts)
    return key, Terms(backward.index, tuple(terms), on_sums)


def _term(recording: Recording, top: Any) -> Term:
    """The leaves a term reaches and the cuts joined inside it, in one walk of its nodes."""
    leaves: set[int] = set()
    cuts: set[int] = set()
    marked, tag = recording.marked, recording.tag
    for node in graph_nodes([top]):
        variable = getattr(node, "variable", None)
        if isinstance(variable, torch.Tensor):
            leaves.add(id(variable))
        elif sequence_nr(node) in marked:
            for index in metadata(node).get(tag, ()):
                cuts |= recording.events[index].cuts
    return Term(top.name(), frozenset(leaves), frozenset(cuts))


def _cuts_joined(events: list[Event], before: int) -> list[Event]:
    """The joins with a cut behind them recorded since the backward before event `before`."""
    found = []
    for index in range(before - 1, -1, -1):
        event = events[index]
        if event.kind == "backward":
            break
        if event.kind == "join" and event.cuts:
            found.append(event)
    return found


def _split(root: Any) -> tuple[list[Any], list[Any]]:
    """The nodes that add the loss up (+, -, and scaling by a constant) and the terms' tops."""
    nodes = graph_nodes([root], through=_adds_up)
    return [n for n in nodes if _adds_up(n)], [n for n in nodes if not _adds_up(n)]


def _adds_up(node: Any) -> bool:
    name = node.name()
    return bool(name.startswith(_SUMS) or (name.startswith(_SCALES) and sum(
        child is not None for child, _ in node.next_functions) == 1))
