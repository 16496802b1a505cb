"""A drawn graph as a page shows it, with or without a kernel: laid out to fit a 1280 px page
at a type size that stays readable (never shrunk: a picture still too wide scrolls), the
legend beside it, PNG images inside HTML whose alt text is the graph's summary (nbconvert
keeps it, screen readers read it, sanitizers of untrusted notebooks leave it).
"""

from __future__ import annotations

import base64
import itertools
import struct
from functools import lru_cache
from html import escape

import graphviz

from gradlab.collapse import Folded, fold
from gradlab.render import (
    _BIG,
    _EDGE_ATTR,
    _GRAPH_ATTR,
    _NODE_ATTR,
    _WRAP,
    LEGEND,
    GraphView,
    _legend,
)

__all__ = ["FIT_PX", "fit", "graph_html", "img", "legend_png", "legend_svg", "png_width"]

# The widest picture, in page pixels: JupyterLab's output area at 1280 px with the file browser
# open, where a picture shows at its own size (labels 12-13 px, 19 px in large type).
FIT_PX = {False: 900, True: 900}
_LEGEND_WRAP = 28  # characters per legend line: a narrow column beside the graph


def png_width(png: bytes) -> int:
    """The width of a PNG image, in pixels (read from its header)."""
    return int(struct.unpack(">I", png[16:20])[0])


def fit(view: GraphView, big: bool) -> GraphView:
    """`view` without its legend, in normal or large type: ranked top-to-bottom, else with
    labels wrapped and unconnected parts stacked, else left-to-right, else folded further
    (halving the boxes drawn), until it fits FIT_PX[big]; the narrowest try when none fits."""
    candidates: list[tuple[Folded, int | None]] = [(view.folded, view.collapsed_from)]
    drawn = view.folded.drawn
    while drawn > 10:
        drawn //= 2
        candidates.append((fold(view.graph, max(drawn, 10), view.show_freed),
                           len(view.graph.nodes)))
    tries = []
    for folded, collapsed_from in candidates:
        for rankdir, wrap in (("TB", 0), ("TB", _WRAP), ("LR", _WRAP)):
            laid = GraphView(view.graph, folded, show_saved=view.show_saved,
                             show_freed=view.show_freed, legend=False,
                             collapsed_from=collapsed_from, big=big, rankdir=rankdir,
                             wrap=wrap, values=view.values)
            if laid.wrap:
                _stack(laid.dot, folded)
            width = png_width(laid.png())
            if width <= FIT_PX[big]:
                return laid
            tries.append((width, laid))
    return min(tries, key=lambda t: t[0])[1]


def _stack(dot: graphviz.Digraph, folded: Folded) -> None:
    """Put the parts of the graph that do not connect (unused parameters, a chain cut off the
    loss) below one another, largest first, by invisible edges. (graphviz's `pack` would do
    it, but drops every edge label: the cause and line of each cut.)"""
    ids = [n.id for n in folded.nodes] + [b.id for b in folded.boxes]
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            i = parent[i]
        return i

    edges = [e for e in folded.edges if e.src in parent and e.dst in parent]
    for e in edges:
        parent[root(e.src)] = root(e.dst)
    parts: dict[str, list[str]] = {}
    for i in ids:
        parts.setdefault(root(i), []).append(i)
    sources, sinks = {e.src for e in edges}, {e.dst for e in edges}
    ordered = sorted(parts.values(), key=len, reverse=True)
    for upper, lower in itertools.pairwise(ordered):
        bottom = next(i for i in upper if i not in sources)  # feeds nothing: drawn lowest
        top = next(i for i in lower if i not in sinks)  # fed by nothing: drawn highest
        dot.edge(bottom, top, style="invis")


def _legend_dot(used: frozenset[str], big: bool) -> graphviz.Digraph:
    size = _BIG if big else {}
    dot = graphviz.Digraph("legend", graph_attr={**_GRAPH_ATTR, **size, "ranksep": "0.15"},
                           node_attr={**_NODE_ATTR, **size}, edge_attr={**_EDGE_ATTR, **size})
    _legend(dot, used, _LEGEND_WRAP)
    return dot


@lru_cache(maxsize=64)
def legend_png(used: frozenset[str], big: bool) -> bytes:
    """The legend's entries for the marks in `used`, in one column, as a PNG."""
    return bytes(_legend_dot(used, big).pipe(format="png"))


@lru_cache(maxsize=64)
def legend_svg(used: frozenset[str], big: bool) -> str:
    """The same legend as SVG text."""
    return str(_legend_dot(used, big).pipe(format="svg", encoding="utf-8"))


def img(png: bytes, alt: str) -> str:
    """A PNG at its own size (width given: the page lays out before it decodes)."""
    data = base64.b64encode(png).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}" '
            f'width="{png_width(png)}" style="max-width:none">')


def graph_html(view: GraphView, big: bool) -> str:
    """The fitted graph and its legend, side by side when they fit, the legend below when not;
    the graph scrolls sideways rather than shrink."""
    laid = fit(view, big)
    words = "legend: " + "; ".join(w for kind, w in LEGEND if kind in laid.used)
    return ('<div class="gradlab-graph" style="display:flex;flex-wrap:wrap;gap:0.5em;'
            'align-items:flex-start">'
            f'<div class="gradlab-scroll" style="overflow-x:auto;max-width:100%">'
            f"{img(laid.png(), view.summary())}</div>"
            f'<div class="gradlab-legend">{img(legend_png(laid.used, big), words)}</div></div>')
