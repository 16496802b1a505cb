"""`gl.compare`: a broken ↔ fixed toggle wired to `Comparison.run`; layout only lives here."""

from __future__ import annotations

import asyncio
import time
import traceback
from html import escape
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from gradlab import curve
from gradlab.comparison import VARIANTS, Comparison, Result, Variant
from gradlab.panes import (
    STATIC_NOTE,
    code_html,
    curve_html,
    curves_of,
    exception_html,
    findings_html,
    grads_html,
    graph_html,
    static_html,
)
from gradlab.session import in_classroom

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CompareWidget", "compare"]

KERNEL_GONE = "The kernel was restarted: run the cell to make the toggle live again."
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# A toggle is shown as two outputs: a static view (pictures as PNG, for untrusted notebooks and
# pages without a kernel) and the live widget. JupyterLab hides the static view beside a live
# widget, and hides the widget output while it holds only the text "Loading widget..." or
# "Error displaying widget: model not found" (after a restart, or saved and reopened).
# `jupyter-widgets-disconnected` is ipywidgets' class on a view whose kernel has gone.
_CSS = ("<style>"
        ".jp-OutputArea:has(.gradlab-live) .gradlab-compare-static{display:none}"
        ".jp-OutputArea:has(.gradlab-compare-static) .jp-OutputArea-output:not(:has(*))"
        "{display:none}"
        ".gradlab-live .gradlab-kernel-gone{display:none}"
        ".gradlab-live.jupyter-widgets-disconnected .gradlab-kernel-gone{display:block}"
        ".gradlab-live.jupyter-widgets-disconnected .gradlab-controls"
        "{pointer-events:none;opacity:0.4}"
        ".gradlab-pane,.gradlab-pane pre{word-break:normal;overflow-wrap:break-word}"
        ".gradlab-pane pre{white-space:pre-wrap}"
        "</style>")
_FONT = {False: "1em", True: "1.6em"}
_BIG_CSS = ("<style>.gradlab-big code, .gradlab-big pre {font-size: inherit}"
            ".gradlab-big-toggle button, button.gradlab-big-toggle"
            " {font-size: 1.5em; height: auto; padding: 0.3em 1em}</style>")


class CompareWidget(widgets.VBox):  # type: ignore[misc]
    """The toggle and its panes. `.result` is the shown variant's Result; `.show(variant)`
    flips it from code (what a hidden notebook cell does under nbval)."""

    def __init__(self, comparison: Comparison, *, title: str | None, big: bool) -> None:
        _check_arguments(comparison, title, big)
        self.comparison = comparison
        self.title = title
        self.big = big
        self.toggle, self.rerun, self.status = _controls(big)
        heading = f"<h3 style='margin:0'>{escape(title)}</h3>" if title else ""
        self.heading = widgets.HTML(heading + _CSS + (_BIG_CSS if big else ""))
        gone = widgets.HTML(f"<p style='color:#a00000'><b>{escape(KERNEL_GONE)}</b></p>")
        gone.add_class("gradlab-kernel-gone")
        self.panes = _panes(big)
        self._result: Result | None = None
        self._html: dict[str, dict[str, str]] = {}  # pane values per variant: instant flips
        self._curves = _Curves(comparison, big)
        self._defer_curve = True  # a click shows the graph first; show() waits for the curve
        self.toggle.observe(self._on_toggle, names="value")
        self.rerun.on_click(self._on_rerun)
        controls = widgets.HBox([self.toggle, self.rerun, self.status])
        controls.add_class("gradlab-controls")
        super().__init__([self.heading, gone, controls, *_body(self.panes, big)])
        self.add_class("gradlab-live")
        self.show("broken")

    @property
    def result(self) -> Result:
        """The Result of the variant on screen."""
        assert self._result is not None
        return self._result

    @property
    def variant(self) -> str:
        """`broken` or `fixed`: what the toggle shows."""
        return str(self.toggle.value)

    def show(self, variant: str, *, fresh: bool = False) -> Result:
        """Flip to `variant` (as a click does) and return its Result, loss curve included."""
        self._defer_curve = False
        try:
            if variant != self.toggle.value:
                self.toggle.value = variant  # the observer fills the panes
            else:
                self._fill(variant, fresh)
        finally:
            self._defer_curve = True
        return self.result

    def _on_toggle(self, change: dict[str, Any]) -> None:
        self._fill(str(change["new"]), fresh=False)

    def _on_rerun(self, _button: widgets.Button) -> None:
        self.rerun.description, self.rerun.disabled = "running…", True
        self.status.value = f"<i>running {escape(self.variant)}…</i>"
        start = time.perf_counter()
        try:
            self._fill(self.variant, fresh=True)
        finally:
            self.rerun.description, self.rerun.disabled = "rerun", False
        self.status.value = (f"ran {escape(self.variant)} in "
                             f"{time.perf_counter() - start:.2f} s")

    def _fill(self, variant: str, fresh: bool) -> None:
        if fresh:
            self._html.pop(variant, None)
        values = self._html.get(variant)
        if values is None:
            values, shown = _pane_values(self.comparison, variant, fresh, self.big)
            if shown:  # kept for instant flips; a failure is computed again next time
                self._html[variant] = values
        self._result = (self.comparison.run(variant, train=False)
                        if self.comparison.cached(variant) else None)
        for name, value in values.items():
            if self.panes[name].value != value:
                self.panes[name].value = value
        if self.comparison.train_steps and "curve" not in values:
            self._after(self._finish_curve, variant)

    def _after(self, job: Any, *args: Any) -> None:
        """Run `job` once the kernel has sent what is on screen (at once outside a kernel's
        event loop, and inside `show()`)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or not self._defer_curve:
            job(*args)
        else:
            loop.call_soon(job, *args)

    def _finish_curve(self, variant: str) -> None:
        values = self._html.get(variant)
        if values is None or "curve" in values:
            return
        try:
            values["curve"] = self._curves.html()
        except Exception:  # noqa: BLE001 - shown in the panel: a callback that dies says nothing
            values["curve"] = (f"<p><b>gradlab failed while drawing the loss curve:</b></p>"
                               f"<pre>{escape(traceback.format_exc())}</pre>")
        for shown, panes in self._html.items():  # a training run that failed says why
            panes["error"] = exception_html(self.comparison.run(shown, train=False))
        if variant == self.variant:
            self.panes["curve"].value = values["curve"]
            self.panes["error"].value = values["error"]

    def _static_curve(self) -> str:
        """The curve the live pane shows (one picture for both views), drawn now if due."""
        return self._curves.html() if self.comparison.train_steps else ""

    @property
    def figure(self) -> Figure | None:
        """The loss curves as a matplotlib Figure (None without `train_steps`), to restyle
        (`figure.axes[0].set_yscale("log")`) or save (`figure.savefig("curves.png")`)."""
        if self.comparison.train_steps and self._curves.figure is None:
            self.show(self.variant)  # the curve is drawn after a flip: draw it now
        return self._curves.figure

    def static(self) -> Any:
        """Both variants side by side as plain HTML: for pages without a kernel."""
        from IPython.display import HTML
        return HTML(static_html(self.comparison, self.title, self.big, self._static_curve()))  # type: ignore[no-untyped-call]

    def close(self) -> None:
        """Close the widget and every widget inside it, and forget the cached results."""
        if "comparison" not in vars(self):  # __init__ rejected its arguments: nothing to close
            return
        self.comparison.clear()
        self._html.clear()
        self._result = None
        self._curves = _Curves(self.comparison, self.big)
        _close_tree(self)

    def _ipython_display_(self) -> None:
        """Two outputs: the static view, which every page can show (untrusted notebooks,
        GitHub, after a restart), and the live toggle, which hides it where it runs."""
        from IPython.display import display
        display({"text/html": _CSS + static_html(self.comparison, self.title, self.big,
                                                 self._static_curve()),
                 "text/plain": STATIC_NOTE}, raw=True)  # type: ignore[no-untyped-call]
        bundle = self._repr_mimebundle_()
        if isinstance(bundle, dict) and _WIDGET_VIEW in bundle:
            display({_WIDGET_VIEW: bundle[_WIDGET_VIEW], "text/plain": ""},  # type: ignore[no-untyped-call]
                    raw=True)


class _Curves:
    """Both variants' loss curves, as HTML and as a matplotlib Figure; drawn again only when a
    variant was recomputed."""

    def __init__(self, comparison: Comparison, big: bool) -> None:
        self.comparison = comparison
        self.big = big
        self.figure: Figure | None = None
        self._for: tuple[Result, Result] | None = None
        self._html = ""

    def html(self) -> str:
        """The curves pane's HTML for the variants' latest results."""
        results = (self.comparison.run("broken"), self.comparison.run("fixed"))
        if self._for is None or any(a is not b for a, b in zip(results, self._for, strict=True)):
            curves = curves_of(list(results))
            self.figure = curve.figure(curves, self.big) if curves else None
            self._html = curve_html(list(results), figure=self.figure)
            self._for = results
        return self._html


def _check_arguments(comparison: Comparison, title: str | None, big: bool) -> None:
    """Raise TypeError for arguments CompareWidget does not take, saying what it takes."""
    if not isinstance(comparison, Comparison):
        raise TypeError("CompareWidget takes a gl.Comparison; gl.compare(broken, fixed) "
                        f"builds both (got {type(comparison).__name__})")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title= takes a str (or None), not {type(title).__name__}: "
                        f"gl.compare(..., title='{title}')")
    if not isinstance(big, bool):
        raise TypeError(f"big= takes True or False, not {big!r}")


def _controls(big: bool) -> tuple[widgets.ToggleButtons, widgets.Button, widgets.HTML]:
    """The broken | fixed buttons, the rerun button and its status line."""
    toggle = widgets.ToggleButtons(  # a row of real buttons: keyboard and projector
        options=list(VARIANTS), value="broken", description="",
        tooltips=["the program with the bug", "the same program, fixed"],
        style={"button_width": "10em" if big else "7em", "font_weight": "bold" if big else ""})
    rerun = widgets.Button(description="rerun", icon="refresh",
                           tooltip="run the shown variant again from scratch")
    status = widgets.HTML()  # "running…", then how long the rerun took
    status.add_class("gradlab-status")
    if big:
        toggle.add_class("gradlab-big-toggle")
        rerun.add_class("gradlab-big-toggle")
        status.style.font_size = _FONT[big]
    return toggle, rerun, status


def _panes(big: bool) -> dict[str, widgets.HTML]:
    """One HTML pane per part of a result, each with its CSS classes."""
    panes = {name: widgets.HTML(layout=widgets.Layout(width="100%"))
             for name in ("error", "findings", "graph", "grads", "curve", "code")}
    for name, pane in panes.items():
        pane.style.font_size = _FONT[big]
        pane.add_class("gradlab-pane")
        pane.add_class(f"gradlab-{name}-pane")  # for the browser test and user CSS
        if big:
            pane.add_class("gradlab-big")
    return panes


def _body(panes: dict[str, widgets.HTML], big: bool) -> list[widgets.Widget]:
    """The panes laid out: code and gradients beside the graph, or (`big`) the graph at full
    width right under the buttons and the code folded below."""
    if big:
        return [panes["graph"], panes["error"], panes["findings"], panes["grads"],
                panes["curve"], panes["code"]]
    left = widgets.VBox([panes["code"], panes["grads"]], layout=widgets.Layout(width="40%"))
    right = widgets.VBox([panes["graph"]], layout=widgets.Layout(width="60%"))
    return [panes["error"], panes["findings"], widgets.HBox([left, right]), panes["curve"]]


def _pane_values(comparison: Comparison, variant: str, fresh: bool,
                 big: bool) -> tuple[dict[str, str], bool]:
    """The panes' HTML for `variant` (the curve comes later, with `train_steps`), and whether
    it ran: a failure of gradlab's own fills the error pane with its traceback instead."""
    try:
        result = comparison.run(variant, fresh=fresh, train=False)
        values = {
            "error": exception_html(result),
            "findings": findings_html(result),
            "graph": graph_html(result, big),
            "grads": grads_html(result),
            "code": code_html(result, comparison.changed[variant], folded=big),
        }
        if not comparison.train_steps:
            values["curve"] = ""
    except Exception:  # noqa: BLE001 - shown in the panel: a callback that dies says nothing
        values = {name: "" for name in ("error", "findings", "graph", "grads", "curve", "code")}
        values["error"] = (f"<p><b>gradlab failed while showing {escape(variant)}:</b></p>"
                           f"<pre>{escape(traceback.format_exc())}</pre>")
        return values, False
    return values, True


def _close_tree(widget: widgets.Widget) -> None:
    """Close a widget, its children, layouts and styles: a box's close() leaves them open."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, widgets.Widget):
            part.close()
    widgets.Widget.close(widget)


def compare(broken: Variant, fixed: Variant, *, title: str | None = None, train_steps: int = 0,
            big: bool | None = None, loss: str | None = None,
            values: bool = False) -> CompareWidget:
    """A broken | fixed toggle: each flip reruns the chosen function from scratch (fixed seed)
    and shows its code, graph, findings, gradients, error and, with `train_steps`, the loss
    curves of both (drawn just after the graph). Each function returns `locals()`; for a curve
    it defines `step()`. `values=True` shows each node's tensor and gradient in the graph.
    `big` (projector) defaults to classroom mode: `gl.classroom(True)`, or the environment
    variable GRADLAB_CLASSROOM=1 for every notebook of a server."""
    if big is None:
        big = in_classroom()
    return CompareWidget(Comparison(broken, fixed, train_steps=train_steps, loss=loss,
                                    values=values), title=title, big=big)
