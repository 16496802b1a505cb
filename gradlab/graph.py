"""The autograd graph as plain data: nodes, edges, severed edges and marks (`walk` makes it)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import torch

from gradlab._autograd import shape_text as shape_text
from gradlab._autograd import size_text

__all__ = ["HOOKED", "LOST", "Edge", "GradGraph", "Labels", "Node", "Parts", "Probe",
           "node_name", "stale_mark"]

HOOKED = "saved-tensor hooks: not read"
LOST = "gets no gradient"  # the mark of a leaf a cut left without gradient (drawn in red)


class Node(NamedTuple):
    """A box in the picture.

    kind: `output` (a loss), `op` (a backward node), `leaf` (a tensor that gets `.grad`),
    `cut_source` (the last node that still had history before a cut), `history_free` (a leaf
    that should train but cannot), `frozen` (a parameter with requires_grad=False on purpose),
    `unused` (a parameter the forward never used), `in_place` (the op that changed a saved
    tensor).
    """

    id: str
    label: str
    kind: str
    detail: str = ""
    module: str = ""
    marks: tuple[str, ...] = ()
    saved: tuple[str, ...] = ()


class Edge(NamedTuple):
    """An arrow from an input (`src`) to the node that uses it (`dst`).

    `cause` is empty for an ordinary autograd edge; for a cut it names why (`no_grad`,
    `detach`, `.data`, `numpy`, ...), `where` the line that made it, and `intended` whether
    it may be on purpose.
    """

    src: str
    dst: str
    cause: str = ""
    where: str = ""
    intended: bool = False

    @property
    def severed(self) -> bool:
        """True for an edge along which gradient no longer flows, by mistake: a cut that may
        be intended (a frozen parameter, a target computed under no_grad) is drawn apart."""
        return bool(self.cause) and not self.intended


Parts = tuple[list[Node], list[Edge], dict[str, tuple[int, "weakref.ref[torch.Tensor]"]],
              dict[str, int]]  # what a GradGraph holds: nodes, edges, tensors, sequence


class GradGraph:
    """Nodes and edges of one or more loss graphs, plus what gradlab added to them.

    A walk gives the parts to make on first use (most runs are judged, never drawn); the
    loss nodes (`outputs`) are known at once. `tensors`: what `values=True` reads, each leaf
    node's tensor (its id, and the tensor held weakly); `sequence`: each op node's grad_fn
    sequence number.
    """

    def __init__(self, make: Callable[[], Parts] | None = None,
                 outputs: Sequence[Node] = ()) -> None:
        self._make = make
        self._outputs = list(outputs)
        self._parts: Parts = ([], [], {}, {})

    def _made(self) -> Parts:
        make, self._make = self._make, None
        if make is not None:
            self._parts = make()
        return self._parts

    @property
    def nodes(self) -> list[Node]:
        """The boxes, in traversal order (node `nK` is the K-th)."""
        return self._made()[0]

    @property
    def edges(self) -> list[Edge]:
        """The arrows, in traversal order, then the ones gradlab added."""
        return self._made()[1]

    @property
    def tensors(self) -> dict[str, tuple[int, weakref.ref[torch.Tensor]]]:
        """Each leaf node's tensor: its id, and the tensor held weakly."""
        return self._made()[2]

    @property
    def sequence(self) -> dict[str, int]:
        """Each op node's grad_fn sequence number."""
        return self._made()[3]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GradGraph):
            return NotImplemented
        return (self.nodes, self.edges) == (other.nodes, other.edges)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"GradGraph(nodes={self.nodes!r}, edges={self.edges!r})"

    def node(self, node_id: str) -> Node:
        """Return the node with this id."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def find(self, label: str) -> list[Node]:
        """Return the nodes whose label is `label` (parameter names, op names, loss names)."""
        return [n for n in self.nodes if n.label == label]

    @property
    def outputs(self) -> list[Node]:
        """The loss nodes, in the order the losses were given."""
        if self._make is not None:  # not made yet, so not marked yet either
            return list(self._outputs)
        return [n for n in self.nodes if n.kind == "output"]

    @property
    def severed(self) -> list[Edge]:
        """The edges gradient no longer flows along."""
        return [e for e in self.edges if e.severed]

    def upstream(self, node_id: str) -> list[Node]:
        """Return the nodes from which `node_id` can be reached along ordinary edges."""
        inputs: dict[str, list[str]] = {}
        for e in self.edges:
            if not e.cause:
                inputs.setdefault(e.dst, []).append(e.src)
        seen = {node_id}
        stack = [node_id]
        while stack:
            for src in inputs.get(stack.pop(), ()):
                if src not in seen:
                    seen.add(src)
                    stack.append(src)
        return [n for n in self.nodes if n.id in seen and n.id != node_id]

    def add(self, label: str, kind: str, **fields: Any) -> str:
        """Add a node with the next id and return the id."""
        node_id = f"n{len(self.nodes)}"
        self.nodes.append(Node(node_id, label, kind, **fields))
        return node_id

    def mark(self, node_id: str, mark: str) -> None:
        """Add a mark to a node (kept once, in the order added)."""
        for i, n in enumerate(self.nodes):
            if n.id == node_id and mark not in n.marks:
                self.nodes[i] = n._replace(marks=(*n.marks, mark))


@dataclass(frozen=True)
class Probe:
    """What reading a node's saved tensors told: a stale (changed in place) or freed save, or
    `hooked`: saved through the program's saved-tensor hooks, so not read."""

    node_id: str
    node_name: str
    problem: str
    message: str


_VERSION = re.compile(r"is at version (\d+); expected version (\d+)")


_node_names: dict[type, str] = {}


def node_name(node: Any) -> str:
    """Return a backward node's name without the C++ namespace."""
    name = _node_names.get(type(node))
    if name is None:
        name = str(node.name()).removeprefix("torch::autograd::")
        _node_names[type(node)] = name
    return name


def stale_mark(message: str) -> str:
    """Turn a version-error message into the mark `stale: version 1, saved at 0`."""
    found = _VERSION.search(message)
    if found is None:
        return "stale: changed in place"
    return f"stale: version {found.group(1)}, saved at {found.group(2)}"


@dataclass(frozen=True)
class LeafLabels:
    """What a drawing writes on a leaf, found by the tensor's id: names only, never tensors,
    so a graph made when first drawn keeps no tensor alive."""

    params: dict[int, str]
    plain: dict[int, str]  # plain tensor attributes of modules
    scope: dict[int, str]  # the program's variables
    registered: set[int]  # parameters a module registered (not kept in a Python list)
    optimized: dict[int, set[str]]  # tensors an optimizer holds, with the optimizers' names

    def label(self, key: int, size: Sequence[Any]) -> str:
        """The name of the tensor with this id, or its shape."""
        return (self.params.get(key) or self.plain.get(key) or self.scope.get(key)
                or f"tensor {size_text(size)}")

    def marks(self, key: int) -> tuple[str, ...]:
        """What is wrong with how the tensor with this id is held."""
        marks = []
        if key in self.plain:
            marks.append("plain tensor, not a Parameter")
        elif key in self.params and key not in self.registered:
            marks.append("not registered: layer kept in a Python list")
        if self.optimized and key not in self.optimized:
            marks.append("not in optimizer")
        return tuple(marks)


class Labels(Protocol):
    """How the walk names what it finds (the analysis knows the models and optimizers)."""

    leaves: LeafLabels

    def module_label(self, module: torch.nn.Module | None) -> str: ...
