"""Large graphs made readable: ordinary nodes folded into one box per submodule.

Plain data in, plain data out. What carries a lesson (outputs, marked nodes, the ends of a
severed edge) is never folded away.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gradlab.graph import Edge, GradGraph, Node

__all__ = ["Box", "Folded", "fold", "unfolded"]



@dataclass(frozen=True)
class Box:
    """One drawn box standing for the ops and parameters of one or more submodules."""

    id: str
    label: str
    ops: int
    parameters: int


@dataclass
class Folded:
    """A graph after folding: the nodes still drawn, the boxes, and the edges between them."""

    nodes: list[Node]
    boxes: list[Box]
    edges: list[Edge] = field(default_factory=list)

    @property
    def drawn(self) -> int:
        """How many boxes and nodes the picture has."""
        return len(self.nodes) + len(self.boxes)


def _module_of(node: Node) -> str:
    if node.kind == "op":
        return node.module
    if node.kind == "leaf" and "." in node.label and " " not in node.label:
        return node.label.rsplit(".", 1)[0]
    return ""


def _kept(graph: GradGraph, show_freed: bool) -> set[str]:
    """Nodes that stay visible whatever the size: they carry the story."""
    kept = {n.id for n in graph.nodes if n.kind not in ("op", "leaf")
            or any(m != "freed" or show_freed for m in n.marks)}
    for e in graph.edges:
        if e.cause:
            kept.update((e.src, e.dst))
    return kept


def _foldable(graph: GradGraph, kept: set[str]) -> dict[str, str]:
    """Map every node that may be folded to its module path."""
    return {n.id: module for n in graph.nodes if n.id not in kept and (module := _module_of(n))}


def _repeats(graph: GradGraph, folding: dict[str, str]) -> dict[str, str]:
    """Summarise runs of numbered sibling blocks that do the same ops (`layers.1` …
    `layers.23`): every node of the run after its first block maps to one label."""
    under: dict[tuple[str, int], list[str]] = {}
    for node_id, module in folding.items():
        parts = module.split(".")
        for i, part in enumerate(parts):
            if part.isdigit():
                under.setdefault((".".join(parts[:i]), int(part)), []).append(node_id)
    label: dict[str, str] = {}
    nodes = {n.id: n for n in graph.nodes}
    for parent in sorted({p for p, _ in under}, key=lambda p: p.count(".")):
        indices = sorted(i for p, i in under if p == parent)
        signatures = {i: _signature(nodes, under[(parent, i)]) for i in indices}
        run: list[int] = []
        for i in [*indices, -1]:
            if run and (i != run[-1] + 1 or signatures.get(i) != signatures[run[0]]):
                if len(run) > 2:  # the first block stays open: it shows what one block does
                    text = f"{parent}.{run[1]} … {parent}.{run[-1]} ({len(run) - 1} alike)"
                    for j in run[1:]:
                        for node_id in under[(parent, j)]:
                            label.setdefault(node_id, text)
                run = []
            run.append(i)
    return label


def _signature(nodes: dict[str, Node], members: list[str]) -> tuple[str, ...]:
    return tuple(sorted(nodes[m].label if nodes[m].kind == "op" else "leaf" for m in members))


def fold(graph: GradGraph, max_nodes: int, show_freed: bool = False) -> Folded:
    """Fold ordinary nodes into module boxes, at the deepest module level that fits
    `max_nodes`; repeated numbered blocks are summarised in one box."""
    folding = _foldable(graph, _kept(graph, show_freed))
    repeats = _repeats(graph, folding)
    depth = max((m.count(".") + 1 for m in folding.values()), default=1)
    while True:
        group = {node_id: repeats.get(node_id) or ".".join(module.split(".")[:depth])
                 for node_id, module in folding.items()}
        folded = _folded(graph, group)
        if folded.drawn <= max_nodes or depth == 1:
            return folded
        depth -= 1


def unfolded(graph: GradGraph) -> Folded:
    """Every node drawn as itself."""
    return _folded(graph, {})


def _folded(graph: GradGraph, group: dict[str, str]) -> Folded:
    box_ids: dict[str, str] = {}
    counts: dict[str, list[int]] = {}
    for n in graph.nodes:  # boxes numbered in traversal order, like nodes
        if n.id in group:
            label = group[n.id]
            if label not in box_ids:
                box_ids[label] = f"b{len(box_ids)}"
                counts[label] = [0, 0]
            counts[label][0 if n.kind == "op" else 1] += 1
    place = {node_id: box_ids[name] for node_id, name in group.items()}
    boxes = [Box(box_ids[label], label, *counts[label]) for label in box_ids]
    nodes = [n for n in graph.nodes if n.id not in place]
    edges: list[Edge] = []
    seen: set[Edge] = set()
    for e in graph.edges:
        drawn = e._replace(src=place.get(e.src, e.src), dst=place.get(e.dst, e.dst))
        if (drawn.src == drawn.dst and not e.cause) or drawn in seen:
            continue
        seen.add(drawn)
        edges.append(drawn)
    return Folded(nodes, boxes, edges)
