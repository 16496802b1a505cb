"""HTML fragments of a Result: code, graph, findings, gradients, error, loss curve.

The widget puts them in `HTML` panes; the static view (pages without a kernel) puts broken and
fixed side by side when their graphs fit at full size, else broken above fixed, with pictures
as PNG images at their own size (sanitizers of untrusted notebooks strip inline SVG; a picture
too wide scrolls rather than shrink) and words as alt text. Text meaning never rests on colour
alone, and nothing here needs a kernel or a network to show.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING

from gradlab import curve, picture
from gradlab.comparison import VARIANTS, Comparison, Result
from gradlab.render import DOT_MISSING
from gradlab.report import report_html

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["STATIC_NOTE", "code_html", "curve_html", "curves_of", "exception_html", "grads_html",
           "graph_html", "result_html", "static_html"]

STATIC_NOTE = "Static view: run the cell to make the toggle live."

_CHANGED = "background:rgba(255,200,0,0.35);font-weight:bold"


def code_html(result: Result, changed: set[int], *, folded: bool = False) -> str:
    """The variant's code, lines that differ from the other variant marked with ▶."""
    lines = []
    for i, line in enumerate(result.code.splitlines()):
        text = escape(line) or " "
        if i in changed:
            lines.append(f'<span style="{_CHANGED}">▶ {text}</span>')
        else:
            lines.append(f"  {text}")
    body = "\n".join(lines)
    return (f"<details{'' if folded else ' open'}><summary>code: {escape(result.variant)} "
            f"(▶ marks what differs)</summary><pre style=\"margin:0\">{body}</pre></details>")


def graph_html(result: Result, big: bool = False, *, static: bool = False) -> str:
    """The drawn graph as inline SVG (`big`: large type, legend beside it; `static`: a PNG
    image), or its text summary when `dot` is missing."""
    if result.view is None:
        return "<p>no graph: the code did not run to a loss.</p>"
    summary = result.view.summary()
    if shutil.which("dot") is None:
        return f"<p><b>{escape(DOT_MISSING)}</b></p><pre>{escape(summary)}</pre>"
    if static:
        return picture.graph_html(result.view, big)
    if not big:
        return f'<div class="gradlab-graph">{_fit(result.view.svg())}</div>'
    view = result.view.fitted(True)
    return ('<div class="gradlab-graph" style="display:flex;flex-wrap:wrap;gap:0.5em;'
            f'align-items:flex-start"><div style="max-width:100%">{_fit(view.svg())}</div>'
            f'<div class="gradlab-legend">{_fit(picture.legend_svg(view.used, True))}</div></div>')


def _fit(svg: str) -> str:
    """An inline SVG at its own size, shrunk to the pane when wider: never a sideways scroll."""
    return svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)


def findings_html(result: Result, font_size: str = "1em") -> str:
    """The findings of the report; what the variant raised is the error pane's (shown once)."""
    if result.report is None:
        return ""
    return report_html(replace(result.report, exception=None), font_size)


def grads_html(result: Result) -> str:
    """A table of every named parameter's gradient: None, all zero, or its norm."""
    if not result.grads:
        return "<p>no named parameters found.</p>"
    rows = []
    for row in result.grads:
        if row.norm is not None and row.state == "norm":
            value = f"norm {row.norm:.4g}"
        else:
            value = f"<b>{escape(row.state)}</b>"
        rows.append(f"<tr><td><code>{escape(row.name)}</code></td><td>{escape(row.shape)}</td>"
                    f"<td>{value}</td></tr>")
    return ('<table class="gradlab-grads"><tr><th>parameter</th><th>shape</th>'
            f"<th>.grad</th></tr>{''.join(rows)}</table>")


def exception_html(result: Result) -> str:
    """What the variant raised, with gradlab's plain explanation; empty if nothing."""
    if result.failure:
        return (f"<p><b>gradlab could not run this variant:</b> "
                f"<code>{escape(result.failure)}</code></p>")
    info = result.report.exception if result.report else None
    if info is None:
        return ""
    explanation = f"<br>{escape(info.explanation)}" if info.explanation else ""
    return (f"<p><b>raised</b> <code>{escape(info.type)}: {escape(info.first_line)}</code>"
            f"{explanation}</p>")


def curves_of(results: list[Result]) -> list[tuple[str, list[float]]]:
    """Each variant's losses, for `curve.figure`; empty when no variant has any."""
    return [(r.variant, r.losses) for r in results] if any(r.losses for r in results) else []


def curve_html(results: list[Result], big: bool = False, *,
               figure: Figure | None = None) -> str:
    """Both variants' losses over the training steps: matplotlib's `figure` (drawn here when
    not given) as one PNG, the same live and in static views (one render, no SVG backend to
    import), described in words for screen readers; a page too narrow scrolls it."""
    curves = curves_of(results)
    if not curves:
        return ""
    fig = figure if figure is not None else curve.figure(curves, big)
    drawn = picture.img(curve.png(fig), curve.describe(curves))
    return f'<div class="gradlab-curve" style="overflow-x:auto">{drawn}</div>'


def result_html(result: Result, changed: set[int], *, folded: bool = False,
                font_size: str = "1em", static: bool = False, big: bool = False) -> str:
    """One variant as a whole: error, findings, graph, gradients, code."""
    return "".join((f'<div style="font-size:{font_size}">', exception_html(result),
                    findings_html(result), graph_html(result, big, static=static),
                    grads_html(result), code_html(result, changed, folded=folded), "</div>"))


def static_html(comparison: Comparison, title: str | None = None, big: bool = False,
                curve: str | None = None) -> str:
    """Both variants as a page without a kernel shows them (`big`: large type; `curve`: the
    loss curves' HTML when already drawn). Each column is as wide as the wider graph needs:
    two fit side by side, or broken stacks above fixed."""
    results = [comparison.run(v) for v in VARIANTS]
    widths = [picture.png_width(r.view.fitted(big).png()) for r in results
              if r.view is not None and shutil.which("dot") is not None]
    basis = max([450, *widths])
    columns = "".join(
        f'<div style="flex:1 1 {basis}px;min-width:0;max-width:100%">'
        f"<h4>{escape(r.variant)}</h4>"
        f"{result_html(r, comparison.changed[r.variant], static=True, big=big)}</div>"
        for r in results)
    heading = f"<h3>{escape(title)}</h3>" if title else ""
    size = "font-size:1.3em;" if big else ""
    return (f'<div class="gradlab-compare-static{" gradlab-big" if big else ""}" '
            f'style="{size}max-width:100%">{heading}'
            f'<p class="gradlab-static-note"><i>{STATIC_NOTE}</i></p>'
            f'<div style="display:flex;flex-wrap:wrap;gap:1em">{columns}</div>'
            f"{curve_html(results, big) if curve is None else curve}</div>")
