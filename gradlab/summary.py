"""A drawn graph in words: counts, named leaves, one line per severed edge and per in-place
change, the marks. Deterministic (no memory addresses): tests and nbval compare it, and it is
the alt text of every picture of the graph."""

from __future__ import annotations

from collections.abc import Callable

from gradlab.graph import LOST, GradGraph, Node

__all__ = ["shorten", "shown_marks", "summarise"]


def shown_marks(node: Node, show_freed: bool) -> tuple[str, ...]:
    """The node's marks that are drawn (a freed saved tensor's only with `show_freed`)."""
    return tuple(m for m in node.marks if m != "freed" or show_freed)


def shorten(names: list[str], keep: int = 6) -> str:
    """The first `keep` names, then how many more."""
    if len(names) <= keep:
        return ", ".join(names)
    return ", ".join(names[:keep]) + f", … ({len(names) - keep} more)"


def summarise(g: GradGraph, *, drawn: int, collapsed_from: int | None, show_freed: bool,
              show_saved: bool, values: dict[str, str]) -> str:
    """The text account of `g` as drawn (`drawn` boxes and nodes when folded from
    `collapsed_from` nodes); `values`: node id -> lines of values."""
    kinds = [n.kind for n in g.nodes]
    changes = _changes(g)
    leaves = [n for n in g.nodes if n.kind == "leaf"]
    severed = [e for e in g.severed if not changes(e.src)]
    lines = [f"graph: {len(g.nodes)} nodes ({kinds.count('output')} output, "
             f"{kinds.count('op') + kinds.count('cut_source')} ops, {len(leaves)} leaves"
             f"), {len(severed)} severed "
             f"edge{'s' if len(severed) != 1 else ''}"]
    if collapsed_from is not None:
        lines.append(f"drawn folded: {drawn} boxes and nodes for {collapsed_from} nodes")
    named = [f"{n.label} {n.detail}" for n in leaves if not n.label.startswith("tensor ")]
    if named:
        lines.append("leaves: " + shorten(named))
    for e in g.edges:
        where = f" at {e.where}" if e.where else ""
        if changes(e.src):
            lines.append(f"{g.node(e.src).label} ─✎→ {_end(g, e.dst)}: {e.cause}{where} "
                         "(the graph is intact: a saved value is stale)")
        elif e.severed:
            lines.append(f"{_end(g, e.src, upstream=True)} ─╳→ {_end(g, e.dst)}: "
                         f"{e.cause}{where}")
    for kind, words in (("frozen", "frozen (requires_grad=False)"),
                        ("unused", "unused (no path to the loss)")):
        names = [n.label for n in g.nodes if n.kind == kind]
        if names:
            lines.append(f"{words}: {shorten(names)}")
    for n in g.nodes:
        marks = list(shown_marks(n, show_freed))
        if marks and n.kind in ("op", "leaf"):
            lines.append(f"{n.label}: {'; '.join(marks)}")
        if show_saved and n.saved:
            lines.append(f"{n.label} saved: {', '.join(n.saved)}")
        if n.id in values:
            lines.append(f"{n.label}: {values[n.id].replace(chr(10), ', ')}")
    return "\n".join(lines)


def _changes(g: GradGraph) -> Callable[[str], bool]:
    """Whether an edge from this node id is an in-place change (the graph is intact there, a
    saved value is stale), rather than a cut."""
    return {n.id for n in g.nodes if n.kind == "in_place"}.__contains__


def _end(g: GradGraph, node_id: str, upstream: bool = False) -> str:
    """Name an end of a severed edge the way a learner knows it."""
    node = g.node(node_id)
    if upstream and node.kind == "cut_source":
        behind = [n for n in g.upstream(node_id) if n.kind == "leaf"]
        lost = [n for n in behind if LOST in n.marks]
        if lost or behind:
            return shorten([n.label for n in lost or behind])
    if node.kind in ("op", "cut_source") and node.module:
        return node.module
    return node.label
