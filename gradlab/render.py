"""`gl.draw`: the autograd graph in torchviz's conventions, with what was lost drawn too.

torchviz's `make_dot` names nodes by `id()`, so its DOT changes every run; gradlab draws the
same picture (grey backward ops, blue leaves that get `.grad`, orange saved tensors, green
outputs) from its own GradGraph, whose node ids follow the traversal order, and adds the
severed edges, in-place changes, marks and a legend.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphviz

from gradlab.collapse import Folded, fold, unfolded
from gradlab.graph import LOST, Edge, GradGraph, Node
from gradlab.report import Report
from gradlab.summary import shown_marks, summarise
from gradlab.values import Capture, labels

__all__ = ["DOT_MISSING", "LEGEND", "GraphView", "check_options", "draw"]

DOT_MISSING = ("Graphviz's `dot` program was not found on PATH, so gradlab shows the text "
               "summary instead of the picture (the analysis is unaffected). Install it with "
               "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) "
               "or `conda install graphviz`, then restart the kernel.")

CUT_COLOUR = "red3"
IN_PLACE_COLOUR = "purple3"  # not red: an in-place change cuts nothing, it makes a value stale

# The legend's words are the course's words: the notebooks use the same phrases.
LEGEND: tuple[tuple[str, str], ...] = (
    ("output", "output: the loss backward() starts from"),
    ("op", "backward op (grad_fn)"),
    ("leaf", "leaf that gets .grad"),
    ("lost", "leaf that gets no .grad: cut off upstream"),
    ("severed", "severed edge: gradient does not flow (cause, line)"),
    ("history_free", "should train but cannot (no requires_grad)"),
    ("frozen", "frozen on purpose (requires_grad=False)"),
    ("unused", "parameter the forward never used"),
    ("intended", "cut that may be intended: no alarm (frozen, target, metric)"),
    ("marked", "problem found here (see its label)"),
    ("in_place", "in-place op that changed a saved tensor"),
    ("changed", "in-place change: the graph is intact, a value backward saved is stale"),
    ("saved", "tensor saved for backward"),
    ("box", "module, folded (op count)"),
)

_GRAPH_ATTR = {"bgcolor": "white", "fontname": "monospace", "fontsize": "10",
               "rankdir": "TB", "ranksep": "0.25", "nodesep": "0.2", "pad": "0.2"}
_NODE_ATTR = {"style": "filled", "shape": "box", "align": "left", "fontsize": "10",
              "height": "0.2", "fontname": "monospace", "fontcolor": "black",
              "color": "black", "fillcolor": "lightgrey"}
_EDGE_ATTR = {"color": "gray30", "fontname": "monospace", "fontsize": "9"}

_STYLE: dict[str, dict[str, str]] = {
    "output": {"fillcolor": "darkolivegreen1"},
    "op": {},
    "leaf": {"fillcolor": "lightblue"},
    "history_free": {"style": "dashed", "fillcolor": "white", "color": CUT_COLOUR,
                     "penwidth": "2"},
    "frozen": {"style": "filled,dotted", "fillcolor": "aliceblue", "color": "gray40"},
    "unused": {"style": "dashed", "fillcolor": "white", "color": CUT_COLOUR},
    "cut_source": {"style": "filled,bold", "color": CUT_COLOUR, "penwidth": "2"},
    "in_place": {"style": "filled,bold", "shape": "cds", "color": IN_PLACE_COLOUR,
                 "fillcolor": "thistle1"},
    "saved": {"fillcolor": "orange"},
    "box": {"style": "filled,rounded", "fillcolor": "gray92", "color": "gray40",
            "shape": "box3d"},
}
_MARKED = {"style": "filled,bold", "color": CUT_COLOUR, "penwidth": "2"}
_LOST = {**_MARKED, "fillcolor": "mistyrose"}  # not blue: blue says "gets .grad"
_SEVERED = {"color": CUT_COLOUR, "fontcolor": CUT_COLOUR, "style": "dashed", "penwidth": "2",
            "arrowhead": "tee"}
_INTENDED_EDGE = {"color": "gray40", "fontcolor": "gray30", "style": "dotted", "penwidth": "2"}
_CHANGED_EDGE = {"color": IN_PLACE_COLOUR, "fontcolor": IN_PLACE_COLOUR, "style": "bold",
                 "penwidth": "2", "arrowhead": "odiamond"}
_EDGE_LEGEND = {"severed": _SEVERED, "intended": _INTENDED_EDGE, "changed": _CHANGED_EDGE}
# Projector: labels >= 14 px at 75 % scale; wider pictures are ranked left-to-right or folded.
_BIG = {"fontsize": "14"}
_WRAP = 24  # characters per label line in large type
FIT_WIDTH_PT = 860  # 1147 px: shrunk to a 930 px output (1280x720, file browser open), 15 px type


def _node_label(node: Node, show_freed: bool, wrap: int = 0) -> str:
    lines = [node.label]
    if node.detail and node.kind != "in_place":
        lines[0] += f"\n{node.detail}"
    elif node.detail:
        lines.append(node.detail)
    lines.extend(m for m in shown_marks(node, show_freed)
                 if not (node.kind in ("history_free", "frozen") and m in node.label))
    return _wrapped("\n".join(lines), wrap)


def _edge_label(cause: str, where: str, sign: str = "╳ ", wrap: int = 0) -> str:
    return _wrapped(sign + cause + (f"\n{where}" if where else ""), wrap)


def _wrapped(label: str, width: int) -> str:
    """Large type: long lines wrap at word boundaries instead of widening the picture."""
    if not width:
        return label
    return "\n".join(part for line in label.split("\n")
                     for part in textwrap.wrap(line, width, break_long_words=False) or [line])


class GraphView:
    """A drawn graph: shows in Jupyter as a PNG inside HTML, fitted to the page with its legend
    beside it and its summary as alt text (large type in classroom mode); `.source` (DOT),
    `.summary()`, `.svg()`, `.png()`, `.save()`. `values`: node id -> lines of values."""

    def __init__(self, graph: GradGraph, folded: Folded, *, show_saved: bool,
                 show_freed: bool, legend: bool, collapsed_from: int | None,
                 big: bool = False, rankdir: str = "TB", wrap: int = 0,
                 values: dict[str, str] | None = None) -> None:
        self.graph = graph
        self.folded = folded
        self.collapsed_from = collapsed_from
        self.big = big
        self.values = values or {}
        self.legend = legend
        self._show_freed = show_freed
        self._show_saved = show_saved
        self._kinds = {n.id: n.kind for n in graph.nodes}
        self._rankdir = rankdir
        self.wrap = _WRAP if big else wrap  # characters per label line (0: no wrapping)
        self.dot = self._build(legend)
        self._svg: str | None = None
        self._png: bytes | None = None
        self._fitted: dict[bool, GraphView] = {}

    @property
    def show_saved(self) -> bool:
        """True when saved tensors are drawn."""
        return self._show_saved

    @property
    def show_freed(self) -> bool:
        """True when the marks of freed saved tensors are drawn."""
        return self._show_freed

    def _changes(self, e: Edge) -> bool:
        """True for the edge from an in-place op to the node whose saved value it made stale."""
        return self._kinds.get(e.src) == "in_place"

    def _build(self, legend: bool) -> graphviz.Digraph:
        size = _BIG if self.big else {}
        dot = graphviz.Digraph("gradlab", graph_attr={**_GRAPH_ATTR,
                                                      **(_BIG if self.big else {}),
                                                      "rankdir": self._rankdir},
                               node_attr={**_NODE_ATTR, **size},
                               edge_attr={**_EDGE_ATTR, **size})
        used = {"output", "op", "leaf"}
        _draw_nodes(dot, self.folded, used, self._show_freed, self._show_saved, self.wrap,
                    self.values)
        _draw_edges(dot, self.folded.edges, used, self._changes, self.wrap)
        self.used = frozenset(used)
        if legend:
            with dot.subgraph(name="cluster_legend") as key:
                key.attr(label="legend", color="gray60", fontcolor="black", style="rounded")
                _legend(key, self.used)
        return dot

    # --- outputs ------------------------------------------------------------------------
    @property
    def source(self) -> str:
        """The DOT source: byte-identical for the same code, no memory addresses."""
        return str(self.dot.source)

    def summary(self) -> str:
        """A deterministic text account: counts, named leaves, one line per severed edge and
        per in-place change (see `gradlab.summary`)."""
        return summarise(self.graph, drawn=self.folded.drawn,
                         collapsed_from=self.collapsed_from, show_freed=self._show_freed,
                         show_saved=self._show_saved, values=self.values)

    def svg(self) -> str:
        """The picture as SVG text (needs Graphviz's `dot`)."""
        if self._svg is None:
            self._svg = self.dot.pipe(format="svg", encoding="utf-8")
        return self._svg

    def png(self) -> bytes:
        """The picture as PNG bytes (needs Graphviz's `dot`): for pages that strip SVG. The
        same run of `dot` writes the SVG too, so the graph is laid out once for both."""
        if self._png is None:
            with tempfile.TemporaryDirectory() as folder:
                svg, png = Path(folder, "graph.svg"), Path(folder, "graph.png")
                subprocess.run(["dot", "-Tsvg", "-o", str(svg), "-Tpng", "-o", str(png)],
                               input=self.source.encode("utf-8"), capture_output=True,
                               check=True)
                self._png = png.read_bytes()
                if self._svg is None:
                    self._svg = svg.read_text(encoding="utf-8")
        return self._png

    def with_values(self, values: dict[str, str]) -> GraphView:
        """The same drawing with `values` (node id -> lines) added to its nodes' labels."""
        return GraphView(self.graph, self.folded, show_saved=self._show_saved,
                         show_freed=self._show_freed, legend=self.legend,
                         collapsed_from=self.collapsed_from, big=self.big,
                         rankdir=self._rankdir, wrap=self.wrap, values=values)

    def fitted(self, big: bool) -> GraphView:
        """This graph without its legend, laid out to fit a 1280 px page (`big`: large type):
        see `gradlab.picture.fit`."""
        if big not in self._fitted:
            from gradlab.picture import fit  # builds on this module
            self._fitted[big] = fit(self, big)
        return self._fitted[big]

    def save(self, path: str | Path) -> Path:
        """Write the picture to `path`; the suffix picks the format: .svg, .png, .pdf, .dot."""
        target = Path(path)
        fmt = target.suffix.lower().lstrip(".")
        if fmt in ("dot", "gv"):
            target.write_text(self.source, encoding="utf-8")
            return target
        if fmt not in ("svg", "png", "pdf"):
            raise ValueError(f"save() writes .svg, .png, .pdf or .dot files, not {target.name!r}")
        if shutil.which("dot") is None:
            raise RuntimeError(DOT_MISSING)
        target.write_bytes(self.dot.pipe(format=fmt))
        return target

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from html import escape

        from gradlab.picture import graph_html  # builds on this module
        from gradlab.session import in_classroom

        summary = self.summary()
        if shutil.which("dot") is None:
            return {"text/plain": f"{DOT_MISSING}\n{summary}",
                    "text/html": f"<p><b>{escape(DOT_MISSING)}</b></p><pre>{escape(summary)}</pre>"}
        # HTML: PNG pictures (kept by the sanitizer of untrusted notebooks) with alt text
        return {"text/html": graph_html(self, self.big or in_classroom()), "text/plain": summary}

    def __repr__(self) -> str:
        return self.summary()


def _draw_nodes(dot: graphviz.Digraph, folded: Folded, used: set[str], show_freed: bool,
                show_saved: bool, wrap: int, values: dict[str, str]) -> None:
    """The nodes (with their saved tensors when `show_saved`) and the folded boxes into `dot`;
    the legend entries they need into `used`."""
    for node in folded.nodes:
        intended = node.kind == "cut_source" and not node.marks  # a cut that may be meant
        style = {} if intended else dict(_STYLE.get(node.kind, {}))
        if node.kind in ("op", "leaf") and shown_marks(node, show_freed):
            lost = node.kind == "leaf" and LOST in node.marks
            style = {**style, **(_LOST if lost else _MARKED)}
            used.add("lost" if lost else "marked")
        elif node.kind == "cut_source" and not intended:
            used.add("marked")
        used.add(node.kind if node.kind in _STYLE else "op")
        value = values.get(node.id)
        dot.node(node.id, _node_label(node, show_freed, wrap)
                 + (f"\n{value}" if value else ""), **style)
        if show_saved:
            for i, saved in enumerate(node.saved):
                dot.node(f"{node.id}s{i}", saved, **_STYLE["saved"])
                dot.edge(f"{node.id}s{i}", node.id, dir="none", style="dotted")
                used.add("saved")
    for box in folded.boxes:
        params = f", {box.parameters} parameters" if box.parameters else ""
        dot.node(box.id, f"{box.label}\n{box.ops} ops{params}", **_STYLE["box"])
        used.add("box")


def _draw_edges(dot: graphviz.Digraph, edges: list[Edge], used: set[str],
                changes: Callable[[Edge], bool], wrap: int) -> None:
    """The edges into `dot`: in-place changes, cuts that may be intended, severed edges, plain
    ones; the legend entries they need into `used`."""
    for e in edges:
        if changes(e):
            dot.edge(e.src, e.dst, label=_edge_label(e.cause, e.where, "✎ ", wrap),
                     **_CHANGED_EDGE)
            used.add("changed")
        elif e.intended:
            dot.edge(e.src, e.dst, label=_edge_label(e.cause, e.where, "· ", wrap),
                     **_INTENDED_EDGE)
            used.add("intended")
        elif e.cause:
            dot.edge(e.src, e.dst, label=_edge_label(e.cause, e.where, "╳ ", wrap),
                     **_SEVERED)
            used.add("severed")
        else:
            dot.edge(e.src, e.dst)


def _legend(dot: graphviz.Digraph, used: frozenset[str], wrap: int = 0) -> None:
    """The legend's entries for the marks in `used`, in a column, into `dot` (`wrap`: lines of
    at most that many characters)."""
    previous = ""
    for kind, text in LEGEND:
        if kind not in used:
            continue
        words = _wrapped(text, wrap)
        name = f"legend_{kind}"
        edge = _EDGE_LEGEND.get(kind)
        if edge is not None:
            dot.node(name, words, shape="plaintext", style="", fontcolor=edge["fontcolor"])
            dot.node(name + "_from", "", shape="point", width="0.05")
            dot.edge(name + "_from", name, **edge)
        else:
            style = {"marked": _MARKED, "lost": _LOST}.get(kind) or _STYLE.get(kind, {})
            dot.node(name, words, **style)
        if previous:
            dot.edge(previous, name + "_from" if edge is not None else name, style="invis")
        previous = name


def check_options(collapse: bool | str, max_nodes: int) -> None:
    """Raise ValueError for a `collapse=` or `max_nodes=` that `draw` does not take."""
    if collapse not in (True, False, "auto"):
        raise ValueError(f"collapse= takes True, False or 'auto', not {collapse!r}")
    if not isinstance(max_nodes, int) or max_nodes < 10:
        raise ValueError(f"max_nodes= takes a whole number of at least 10, not {max_nodes!r}")


def draw(report: Report, *, show_saved: bool = False, collapse: bool | str = "auto",
         max_nodes: int = 150, legend: bool = True, values: bool = False,
         seen: Capture | None = None) -> GraphView:
    """Draw a Report's autograd graph with the severed edges drawn, named and explained.

    `collapse="auto"` folds modules into boxes above `max_nodes` nodes. `values=True`: each
    node shows its tensor and the gradient through it, from `seen` (what `gradlab.values`
    captured while the program ran) or, without it, the leaves still alive. (`gl.draw` also
    takes a loss or a function, and diagnoses it first.)
    """
    check_options(collapse, max_nodes)
    if not isinstance(report, Report):
        raise TypeError(f"report= takes what gl.diagnose() returns, not {type(report).__name__}")
    graph = report.graph
    show_freed = show_saved or "double_backward" in report.kinds()
    folding = collapse is True or (collapse == "auto" and len(graph.nodes) > max_nodes)
    folded = fold(graph, max_nodes, show_freed) if folding else unfolded(graph)
    view = GraphView(graph, folded, show_saved=show_saved, show_freed=show_freed,
                     legend=legend, collapsed_from=len(graph.nodes) if folding else None)
    return view.with_values(labels(graph, seen)) if values else view
