"""The autograd graph as plain data: nodes, edges, severed edges and marks.

`walk()` follows `loss.grad_fn.next_functions` once, numbers nodes in traversal order (stable
output, no memory addresses) and probes every node's saved tensors: reading `_saved_*` runs
PyTorch's own version and freed-buffer checks, so stale and freed saves are found before backward.
A save behind the program's saved-tensor hooks is never read (that would run its unpack hook):
the node is marked and no prediction is made for it.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import torch

from gradlab._autograd import probe as _probe
from gradlab._autograd import shape_text as shape_text
from gradlab.record import Recording

__all__ = ["HOOKED", "LOST", "Edge", "GradGraph", "Labels", "Node", "Probe", "Walk", "walk"]

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


@dataclass
class GradGraph:
    """Nodes and edges of one or more loss graphs, plus what gradlab added to them."""

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    # what `values=True` reads: each leaf node's tensor (its id, and the tensor held weakly),
    # each op node's grad_fn sequence number
    tensors: dict[str, tuple[int, weakref.ref[torch.Tensor]]] = field(
        default_factory=dict, compare=False, repr=False)
    sequence: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

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


class Labels(Protocol):
    """How the walk names what it finds (the analysis knows the models and optimizers)."""

    def leaf_label(self, t: torch.Tensor) -> str: ...

    def leaf_marks(self, t: torch.Tensor) -> tuple[str, ...]: ...

    def module_label(self, module: torch.nn.Module | None) -> str: ...


@dataclass
class Walk:
    """The result of walking the loss graphs."""

    graph: GradGraph
    probes: list[Probe]
    joined: list[tuple[Any, str]]
    reached: dict[int, str]


def _places(recording: Recording | None,
            labels: Labels) -> tuple[str, list[int], set[int], list[str | None]]:
    """What the walk reads from the recording: its tag (on the nodes that carry joins), the
    sequence numbers where modules start or end, the marked sequence numbers, and the module
    label of each place. A node's module label is found by bisection of its sequence number
    (where it was made: a module's entry or exit); None: made outside the recording (the last
    entry is for nodes made before it), drawn in its consumer's module."""
    if recording is None:
        return "", [], set(), [""]
    by_place: list[str | None] = [labels.module_label(module) if seen else None
                                  for seen, module in recording.modules_by_place()]
    return recording.tag, recording.module_starts, recording.marked, [*by_place, None]


def _add_leaf(graph: GradGraph, labels: Labels, variable: torch.Tensor,
              reached: dict[int, str]) -> str:
    """Add the node of a leaf the walk reached (held weakly, for `values=True`)."""
    node_id = graph.add(labels.leaf_label(variable), "leaf", detail=shape_text(variable),
                        marks=labels.leaf_marks(variable))
    reached[id(variable)] = node_id
    graph.tensors[node_id] = (id(variable), weakref.ref(variable))
    return node_id


def walk(losses: Iterable[tuple[str, torch.Tensor]], labels: Labels,
         recording: Recording | None, probe: bool = True) -> Walk:
    """Walk each loss's graph: number the nodes, probe their saved tensors (unless `probe` is
    False), note the nodes that carry recorded joins and the node of every leaf reached."""
    graph = GradGraph()
    probes: list[Probe] = []
    joined: list[tuple[Any, str]] = []
    reached: dict[int, str] = {}
    ids: dict[int, str] = {}
    alive: list[Any] = []  # keeps the Python node objects, and so their id(), stable
    tag, starts, marked, by_place = _places(recording, labels)
    # this runs once per node of graphs with thousands: names bound once, tuples made directly
    nodes, edges, sequence = graph.nodes, graph.edges, graph.sequence
    add_edge, ids_get, new_tuple = edges.append, ids.get, tuple.__new__
    node_names_get = _node_names.get
    for loss_name, loss in losses:
        out_id = graph.add(loss_name, "output", detail=shape_text(loss))
        if loss.grad_fn is None:
            continue
        queue: deque[tuple[Any, str]] = deque([(loss.grad_fn, out_id)])
        pop, push = queue.popleft, queue.append
        while queue:
            node, consumer = pop()
            known = ids_get(id(node))
            if known is not None:
                add_edge(new_tuple(Edge, (known, consumer, "", "", False)))
                continue
            alive.append(node)
            name = node_names_get(type(node)) or node_name(node)
            # (isinstance(None, torch.Tensor) costs 0.2 us: ask AccumulateGrad nodes only)
            if name == "AccumulateGrad" and isinstance(variable := node.variable, torch.Tensor):
                node_id = _add_leaf(graph, labels, variable, reached)
            else:
                number = node._sequence_nr()
                module_label = by_place[bisect_right(starts, number) - 1]
                if module_label is None:
                    module_label = nodes[int(consumer[1:])].module
                node_id = f"n{len(nodes)}"
                sequence[node_id] = number
                if probe:
                    saved, problem, message = _probe(node)
                    marks = (stale_mark(message),) if problem == "stale" else (
                        ("freed",) if problem == "freed" else (
                            (HOOKED,) if problem == "hooked" else ()))
                    if problem:
                        probes.append(Probe(node_id, name, problem, message))
                else:
                    saved = marks = ()
                nodes.append(new_tuple(Node, (node_id, name, "op", "", module_label, marks,
                                              saved)))
                if number in marked and tag in node.metadata:
                    joined.append((node, node_id))
            ids[id(node)] = node_id
            add_edge(new_tuple(Edge, (node_id, consumer, "", "", False)))
            for child, _ in node.next_functions:
                if child is not None:
                    push((child, node_id))
    return Walk(graph, probes, joined, reached)
