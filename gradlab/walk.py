"""Walking the loss graphs: `walk()` follows `loss.grad_fn.next_functions` once.

It numbers nodes in traversal order (stable output, no memory addresses), notes the node of
every leaf reached and the nodes that carry recorded joins, and probes every node's saved
tensors: reading `_saved_*` runs PyTorch's own version and freed-buffer checks, so stale and
freed saves are found before backward. A save behind the program's saved-tensor hooks is never
read (that would run its unpack hook): the node is marked and no prediction is made for it.
The walk keeps plain values (names, numbers, weak references), never the graph's own nodes,
and makes the `GradGraph`'s node and edge tuples only when they are first used.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch

from gradlab._autograd import probe as _probe
from gradlab._autograd import sequence_nr, shape_text, size_text
from gradlab.graph import (
    HOOKED,
    Edge,
    GradGraph,
    Labels,
    LeafLabels,
    Node,
    Parts,
    Probe,
    node_name,
    stale_mark,
)
from gradlab.graph import _node_names as _names
from gradlab.recording import Recording

__all__ = ["Walk", "walk"]

# what the walk saw, in order: the steps `_make` turns into nodes and edges
_OUTPUT, _AGAIN, _LEAF, _OP = range(4)


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


def _probed(node: Any, node_id: str, name: str,
            probes: list[Probe]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Read a node's saved tensors; return (saved descriptions, marks), noting a problem."""
    saved, problem, message = _probe(node)
    if problem:
        probes.append(Probe(node_id, name, problem, message))
    marks = (stale_mark(message),) if problem == "stale" else (
        ("freed",) if problem == "freed" else ((HOOKED,) if problem == "hooked" else ()))
    return saved, marks


def walk(losses: Iterable[tuple[str, torch.Tensor]], labels: Labels,
         recording: Recording | None, probe: bool = True) -> Walk:
    """Walk each loss's graph: number the nodes, probe their saved tensors (unless `probe` is
    False), note the nodes that carry recorded joins and the node of every leaf reached."""
    tag, starts, marked, by_place = _places(recording, labels)
    steps: list[tuple[Any, ...]] = []
    outputs: list[Node] = []
    probes: list[Probe] = []
    joined: list[tuple[Any, str]] = []
    reached: dict[int, str] = {}
    ids: dict[Any, int] = {}  # by the node objects themselves (their hash is their identity)
    # this runs once per node of graphs with thousands: names bound once, and the queue holds
    # each visited node's `next_functions` as torch gives them (no tuple per edge)
    step, ids_get, names_get = steps.append, ids.get, _names.get
    count = 0  # nodes numbered so far, outputs included
    for loss_name, loss in losses:
        out, count = count, count + 1
        outputs.append(Node(f"n{out}", loss_name, "output", shape_text(loss)))
        step((_OUTPUT, outputs[-1]))
        if loss.grad_fn is None:
            continue
        queue: deque[tuple[int, Any]] = deque([(out, ((loss.grad_fn, 0),))])
        pop, push = queue.popleft, queue.append
        while queue:
            consumer, children = pop()
            for node, _ in children:
                if node is None:
                    continue
                known = ids_get(node)
                if known is not None:
                    step((_AGAIN, known, consumer))
                    continue
                index = ids[node] = count
                count += 1
                name = names_get(type(node)) or node_name(node)
                # (isinstance(None, torch.Tensor) costs 0.2 us: ask AccumulateGrad nodes only)
                if name == "AccumulateGrad" and isinstance(variable := node.variable,
                                                           torch.Tensor):
                    key = id(variable)
                    reached[key] = f"n{index}"
                    step((_LEAF, key, weakref.ref(variable), variable.shape, consumer))
                else:
                    number = sequence_nr(node)
                    saved, marks = (_probed(node, f"n{index}", name, probes) if probe
                                    else ((), ()))
                    step((_OP, name, number, marks, saved, consumer))
                    if number in marked and tag in node.metadata:
                        joined.append((node, f"n{index}"))
                push((index, node.next_functions))
    return Walk(GradGraph(partial(_make, steps, starts, by_place, labels.leaves), outputs),
                probes, joined,
                reached)


def _make(steps: list[tuple[Any, ...]], starts: list[int], by_place: list[str | None],
          leaves: LeafLabels) -> Parts:
    """The graph's nodes, edges, leaf tensors and sequence numbers from the walk's steps."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    tensors: dict[str, tuple[int, weakref.ref[torch.Tensor]]] = {}
    sequence: dict[str, int] = {}
    add_node, add_edge, new = nodes.append, edges.append, tuple.__new__
    for seen in steps:
        kind = seen[0]
        if kind == _AGAIN:
            add_edge(new(Edge, (nodes[seen[1]][0], nodes[seen[2]][0], "", "", False)))
            continue
        if kind == _OUTPUT:
            add_node(seen[1])
            continue
        node_id = f"n{len(nodes)}"
        if kind == _LEAF:
            _, key, ref, size, consumer = seen
            add_node(new(Node, (node_id, leaves.label(key, size), "leaf", size_text(size), "",
                                leaves.marks(key), ())))
            tensors[node_id] = (key, ref)
        else:
            _, name, number, marks, saved, consumer = seen
            module = by_place[bisect_right(starts, number) - 1]
            if module is None:
                module = nodes[consumer].module
            sequence[node_id] = number
            add_node(new(Node, (node_id, name, "op", "", module, marks, saved)))
        add_edge(new(Edge, (node_id, nodes[consumer][0], "", "", False)))
    return nodes, edges, tensors, sequence
