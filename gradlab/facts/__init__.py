"""What the rules read: the walked graph, names, the inventory and the evidence of one run.

`Facts` is built once after the forward and is read-only to the rules. It holds the loss graphs
(walked and probed once), the names of parameters, plain tensor attributes and variables, the
models, optimizers, backward calls and exception of the run, and the leaves the losses reached.
Derived queries (the trainable tensors, the gradients the last backward wrote, what trained) are
computed once, on first use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import torch

from gradlab._autograd import foreach_norm
from gradlab._autograd import graph_nodes as walk_nodes
from gradlab.context import Context
from gradlab.facts.names import Names, initialised
from gradlab.facts.source import backward_on_numbers, grad_mode_block, source_tree
from gradlab.facts.text import group, place, where
from gradlab.recording import Event
from gradlab.walk import walk

__all__ = ["Context", "Facts", "Names", "backward_on_numbers", "grad_mode_block", "group",
           "initialised", "place", "source_tree", "where"]


def _all_backwarded(ctx: Context) -> bool:
    """True when every loss went through one backward that freed its graph and nothing
    failed: no saved tensor is left to probe, and no backward is still to come."""
    if ctx.recording is None or ctx.exception is not None or not ctx.losses:
        return False
    freed = {id(t) for e in ctx.recording.of_kind("backward") if not e.failed
             and not e.retain_graph and e.tensor is not None and (t := e.tensor()) is not None}
    return all(id(loss) in freed for _, loss in ctx.losses)


class Facts:
    """The graph, names, inventory and evidence of one run: what every rule reads."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rec = ctx.recording
        self.names = Names(ctx)
        walked = walk(ctx.losses, self.names, self.rec, probe=not _all_backwarded(ctx))
        self.graph, self.probes, self.joined = walked.graph, walked.probes, walked.joined
        self.reached = walked.reached
        self._norms: dict[int, tuple[torch.Tensor, float]] = {}

    def events(self, kind: str) -> list[Event]:
        """The recorded events of one kind (none without a recording)."""
        return self.rec.of_kind(kind) if self.rec is not None else []

    def backwards(self) -> list[Event]:
        """The backward() / autograd.grad() calls that finished."""
        return [e for e in self.events("backward") if not e.failed]

    def optimizers_of(self, ids: Sequence[int]) -> set[str]:
        """The names of the optimizers that hold any of these tensors."""
        found: set[str] = set()
        for key in ids:
            found |= self.names.optimized.get(key, set())
        return found

    def tensor_name(self, event: Event) -> str:
        """The name of the tensor an event is about, or what made it."""
        t = event.tensor() if event.tensor is not None else None
        if t is not None and id(t) in self.names.tensors:
            return self.names.name(t)
        return f"output of {event.producer}" if event.producer else "a tensor"

    # --- derived queries, each computed once ----------------------------------------------
    @cached_property
    def trainable(self) -> dict[int, tuple[str, torch.Tensor]]:
        """The tensors the user trains: parameters and named leaves that require grad, and
        whatever an optimizer holds."""
        names = self.names
        return {key: (names.name(t), t) for key, t in names.tensors.items()
                if t.is_leaf and t.requires_grad
                and (key in names.params or key in names.optimized or key in names.scope)}

    @cached_property
    def all_frozen(self) -> tuple[list[str], str] | None:
        """When tensors were frozen and every parameter has requires_grad=False: their names
        and the user's line that froze them, if it was seen."""
        names = self.names
        if not names.frozen or not all(key in names.frozen for key in names.params):
            return None
        froze = [where(e) for e in self.events("requires_grad") if e.set_to is False
                 and e.tensor is not None and (t := e.tensor()) is not None
                 and id(t) in names.frozen]
        return group(sorted(set(names.frozen.values()))), froze[-1] if froze else ""

    @cached_property
    def backwarded(self) -> tuple[int, set[int]]:
        """The index of the last backward event (-1 if none) and the losses that went
        through one."""
        events = self.events("backward")
        done = {id(t) for e in events if e.tensor is not None and (t := e.tensor()) is not None}
        return (events[-1].index if events else -1), done

    @cached_property
    def written_grads(self) -> dict[int, tuple[str, str]]:
        """The trainable tensors whose `.grad` the last backward wrote and nothing changed
        since (a `zero_grad(set_to_none=False)` after the step), each with its name and the
        state of the gradient: `zero`, `not finite` or `ok`."""
        found: dict[int, tuple[str, str]] = {}
        last, _ = self.backwarded
        if last < 0:
            return found
        changed = {id(t) for e in self.events("in_place") if e.index > last
                   and e.tensor is not None and (t := e.tensor()) is not None}
        written = [(key, name, grad) for key, (name, t) in self.trainable.items()
                   if (grad := t.grad) is not None and id(grad) not in changed
                   and grad.is_floating_point() and grad.layout == torch.strided]
        sizes = self.grad_norms([g for *_, g in written]) if written else []
        for (key, name, grad), size in zip(written, sizes, strict=True):
            state = "zero" if size == 0 else "ok" if math.isfinite(size) else (
                "ok" if bool(torch.isfinite(grad).all()) else "not finite")
            found[key] = (name, state)
        return found

    @cached_property
    def trained_by_run(self) -> frozenset[int]:
        """The trainable tensors (ids) whose `.grad` is non-zero after the recorded backward
        passes, or that an optimizer step updated from a non-zero gradient: the run's own
        evidence that a gradient reached them."""
        if not self.backwards():
            return frozenset()
        stepped = self.rec.trained if self.rec is not None else {}
        dense = [(key, g) for key, (_, t) in self.trainable.items()
                 if (g := t.grad) is not None and g.is_floating_point()
                 and g.layout == torch.strided]
        sizes = iter(self.grad_norms([g for _, g in dense]))
        return frozenset({key for key, _ in dense if next(sizes) != 0} | {
            key for key, (_, t) in self.trainable.items()
            if (ref := stepped.get(key)) is not None and ref() is t})

    @cached_property
    def moved_by_hand(self) -> dict[int, tuple[Event, list[torch.Tensor]]]:
        """The leaves requiring grad that the code itself changed in place from other such
        leaves (a target network's Polyak update, `load_state_dict` from the online network),
        each with its last such change and those other leaves: the run's evidence that they
        follow other parameters instead of training."""
        found: dict[int, tuple[Event, list[torch.Tensor]]] = {}
        for event in [*self.events("in_place"), *self.events("behind_autograd")]:
            t = event.tensor() if event.tensor is not None and event.source_leaves else None
            others = [s for ref in event.source_leaves if (s := ref()) is not None and s is not t]
            if t is not None and others:
                found[id(t)] = event, list({id(s): s for s in others}.values())
        return found

    @cached_property
    def trains_through(self) -> str:
        """Where a tensor that the found losses do not reach got its gradient: the backward
        calls on other tensors (a critic's own loss, a helper's step), else `another path`."""
        losses = {id(loss) for _, loss in self.ctx.losses}
        others = list(dict.fromkeys(
            where(e) for e in self.backwards() if where(e)
            and not (e.tensor is not None and id(e.tensor()) in losses)))
        return "the backward at " + ", ".join(others[:3]) if others else "another path"

    @cached_property
    def graph_nodes(self) -> list[Any]:
        """Every autograd node of the losses' graphs, each once, loss first (freed graphs
        keep their structure)."""
        return walk_nodes([loss.grad_fn for _, loss in self.ctx.losses])

    def grad_norms(self, grads: list[torch.Tensor]) -> list[float]:
        """The 2-norms of dense gradients, each computed once per run; 0.0 only for a
        gradient that is all zero (a float32 norm of tiny values underflows to 0)."""
        todo = [g for g in grads if id(g) not in self._norms]
        if todo:
            # one call for every gradient: a per-tensor reduction would cost more than the rules
            for grad, size in zip(todo, torch.stack(foreach_norm(todo)).tolist(),
                                  strict=True):
                if size == 0 and bool(grad.any()):
                    size = float(grad.abs().double().norm())
                self._norms[id(grad)] = grad, size
        return [self._norms[id(g)][1] for g in grads]

    def node_event(self, node: Any, suffix: str) -> Event | None:
        """The recorded event tagged on a graph node under `gradlab:<serial>:<suffix>`."""
        if self.rec is None:
            return None
        index = self.rec.node_metadata(node).get(f"{self.rec.tag}:{suffix}")
        return None if index is None else self.rec.events[index]

