"""The overlay: what the rules found, drawn onto the walked graph in one step after arbitration.

Rules do not touch the graph; they return marks as data beside their findings (a node to add,
an edge, a mark on a node) and claims read by the rules after them (the tensors they reported
as getting no gradient, the finding that explains the exception). `apply` draws the marks in the
order the rules ran, so node ids follow that order, as the drawing's stable ids require.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from gradlab.graph import Edge, GradGraph
from gradlab.report import Finding

__all__ = [
    "AddEdge",
    "Draw",
    "Earlier",
    "Explains",
    "Item",
    "LeafOf",
    "Lost",
    "Mark",
    "MarkMadeBy",
    "Marked",
    "NewNode",
    "Ref",
    "apply",
    "findings_of",
    "lost_in",
]


@dataclass(frozen=True, eq=False)
class NewNode:
    """A node to add (where it stands among the marks); also the handle edges and marks use to
    name it before it has an id."""

    label: str
    kind: str
    detail: str = ""
    marks: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeafOf:
    """The node drawn for a tensor (by the walk or an earlier mark), else `node`, added then."""

    key: int
    node: NewNode


Ref = str | NewNode | LeafOf  # a walk node's id, a node added by a mark, or a tensor's node


@dataclass(frozen=True)
class AddEdge:
    """An edge to add between two nodes."""

    src: Ref
    dst: Ref
    cause: str = ""
    where: str = ""
    intended: bool = False


@dataclass(frozen=True)
class Mark:
    """A mark to put on a node."""

    node: Ref
    mark: str


@dataclass(frozen=True)
class MarkMadeBy:
    """A mark on the first node whose label is `label` (the backward op that made a tensor)."""

    label: str
    mark: str


@dataclass(frozen=True)
class Lost:
    """A claim: these tensors (ids) were reported as getting no gradient; later rules that
    declare they read it (`gradlab.arbitrate.READS`) do not report them again."""

    keys: frozenset[int]


@dataclass(frozen=True)
class Explains:
    """A claim: this finding explains the run's exception (where `gl.explain` has no words)."""

    finding: Finding


@dataclass(frozen=True)
class Earlier:
    """What the rules before a rule found and claimed: passed to the rules that declare they
    read it (`gradlab.arbitrate.READS`)."""

    found: tuple[Finding, ...] = ()
    lost: frozenset[int] = frozenset()


def lost_in(items: Iterable[Item]) -> set[int]:
    """The tensors that `items` claim were reported as getting no gradient."""
    return {key for item in items if isinstance(item, Lost) for key in item.keys}


Draw = NewNode | AddEdge | Mark | MarkMadeBy
Item = Finding | Draw | Lost | Explains  # what a rule returns


class Marked(NamedTuple):
    """What a drawing helper made: findings and the marks (and claims) that go with them."""

    findings: list[Finding]
    marks: list[Item]

    def items(self) -> list[Item]:
        """The findings, then the marks: what a rule returns."""
        return [*self.findings, *self.marks]


def findings_of(items: Iterable[Item]) -> list[Finding]:
    """The findings among a rule's items."""
    return [item for item in items if isinstance(item, Finding)]


def apply(graph: GradGraph, reached: dict[int, str], marks: Sequence[Draw]) -> None:
    """Draw `marks` onto `graph` in order; `reached`: the node of each leaf the walk reached."""
    drawn = dict(reached)
    added: dict[NewNode, str] = {}

    def add(node: NewNode) -> str:
        added[node] = graph.add(node.label, node.kind, detail=node.detail, marks=node.marks)
        return added[node]

    def resolve(ref: Ref) -> str:
        if isinstance(ref, str):
            return ref
        if isinstance(ref, NewNode):
            return added[ref]
        if ref.key not in drawn:
            drawn[ref.key] = add(ref.node)
        return drawn[ref.key]

    for mark in marks:
        if isinstance(mark, NewNode):
            add(mark)
        elif isinstance(mark, AddEdge):
            src = resolve(mark.src)
            graph.edges.append(Edge(src, resolve(mark.dst), mark.cause, mark.where,
                                    mark.intended))
        elif isinstance(mark, Mark):
            graph.mark(resolve(mark.node), mark.mark)
        else:
            for node in graph.find(mark.label):
                graph.mark(node.id, mark.mark)
                break
