"""gl.compare and %%gradlab: flips rerun and refill every pane, errors are shown, the static
fallback renders, and closing the widget frees the models."""

from __future__ import annotations

import asyncio
import gc
import re
import weakref
from typing import Any

import pytest
import scenarios as s
import torch
import torch.nn.functional as F
from IPython import get_ipython
from IPython.testing.globalipapp import start_ipython
from torch import nn

import gradlab as gl
from gradlab.comparison import Comparison, changed_lines
from gradlab.panes import STATIC_NOTE
from gradlab.widgets import KERNEL_GONE

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_flip_reruns_and_every_pane_changes() -> None:
    widget = gl.compare(s.no_grad_broken, s.clean_fixed, title="no_grad")
    broken = {name: pane.value for name, pane in widget.panes.items()}
    assert widget.variant == "broken" and widget.result.kinds == ["no_grad"]
    widget.toggle.value = "fixed"  # what a click does
    fixed = {name: pane.value for name, pane in widget.panes.items()}
    assert widget.result.kinds == [] and widget.result.variant == "fixed"
    for name in ("findings", "graph", "grads", "code"):
        assert broken[name] != fixed[name], name
    assert "╳ no_grad" in broken["graph"] and "╳" not in fixed["graph"]
    assert "<b>None</b>" in broken["grads"] and "None" not in fixed["grads"]
    widget.toggle.value = "broken"
    assert {n: p.value for n, p in widget.panes.items()} == broken


def test_results_are_plain_data_without_a_frontend() -> None:
    comparison = Comparison(s.no_grad_broken, s.clean_fixed)
    broken, fixed = comparison.run("broken"), comparison.run("fixed")
    assert broken.grad_states()["fc1.weight"] == "None"
    assert fixed.grad_states() == {"fc1.weight": "norm", "fc1.bias": "norm",
                                   "fc2.weight": "norm", "fc2.bias": "norm"}
    assert comparison.run("broken") is broken  # cached
    assert comparison.run("broken", fresh=True) is not broken
    with pytest.raises(ValueError, match="'broken' or 'fixed'"):
        comparison.run("other")


def test_runs_are_independent_of_order() -> None:
    a = Comparison(s.no_grad_broken, s.clean_fixed)
    b = Comparison(s.no_grad_broken, s.clean_fixed)
    a.run("broken")
    assert [r.norm for r in a.run("fixed").grads] == [r.norm for r in b.run("fixed").grads]


def test_exception_is_shown_with_its_explanation() -> None:
    widget = gl.compare(s.double_backward_broken, s.double_backward_fixed)
    assert widget.result.exception_kind == "double_backward"
    assert "backward through the graph a second time" in widget.panes["error"].value
    assert widget.show("fixed").exception_kind is None
    assert widget.panes["error"].value == ""


def _unrelated() -> dict[str, Any]:
    raise KeyError("typo")


def test_a_variant_that_fails_is_reported_in_the_panel() -> None:
    widget = gl.compare(_unrelated, s.clean_fixed)
    assert "could not run this variant" in widget.panes["error"].value
    assert "KeyError" in widget.result.failure
    assert widget.show("fixed").kinds == []


def test_changed_lines_are_marked_in_the_code_pane() -> None:
    assert changed_lines("def a():\n    x = 1\n    y = 2", "def b():\n    x = 1\n    y = 3") == {2}
    widget = gl.compare(s.missing_requires_grad_broken, s.missing_requires_grad_fixed)
    assert widget.panes["code"].value.count("▶ ") == 1 + 1  # the summary names the marker


def _step_variant(trainable: bool) -> dict[str, Any]:
    torch.manual_seed(0)
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    model = nn.Linear(3, 1)
    model.requires_grad_(trainable)
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad] or
                                [torch.zeros(1, requires_grad=True)], lr=0.1)

    def step() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        if loss.requires_grad:
            loss.backward()
        optimizer.step()
        return loss

    loss = step()
    return locals()


def test_train_steps_draw_both_loss_curves() -> None:
    widget = gl.compare(lambda: _step_variant(False), lambda: _step_variant(True),
                        train_steps=8)
    broken, fixed = widget.comparison.run("broken"), widget.comparison.run("fixed")
    assert len(broken.losses) == len(fixed.losses) == 8
    assert broken.losses[0] == broken.losses[-1]  # silently not learning
    assert fixed.losses[-1] < fixed.losses[0]
    curve = widget.panes["curve"].value
    assert '<img src="data:image/png;base64,' in curve and 'alt="Loss curves.' in curve
    figure = widget.figure  # matplotlib's, for the student to restyle or save
    assert figure is not None and [list(line.get_ydata()) for line in
                                   figure.axes[0].get_lines()] == [broken.losses, fixed.losses]
    static = widget.static().data
    # two graphs, their legends and the curve
    assert "<svg" not in static and static.count('<img src="data:image/png;base64,') == 5
    assert gl.compare(s.no_grad_broken, s.clean_fixed).figure is None


def test_train_steps_without_step_says_what_to_define() -> None:
    widget = gl.compare(s.no_grad_broken, s.clean_fixed, train_steps=3)
    assert "must define step()" in widget.result.failure


def test_big_mode_folds_code_and_uses_large_type() -> None:
    widget = gl.compare(s.no_grad_broken, s.clean_fixed, big=True)
    assert widget.panes["code"].value.startswith("<details>")
    assert widget.panes["graph"].style.font_size == "1.6em"
    graph = widget.panes["graph"].value
    assert 'class="gradlab-legend"' in graph and "font-size=\"14.00\"" in graph  # 14 pt
    assert graph.count('<svg style="max-width:100%;height:auto"') == 2  # graph, legend
    body = list(widget.children)
    assert body.index(widget.panes["graph"]) < body.index(widget.panes["findings"])
    assert gl.compare(s.no_grad_broken, s.clean_fixed).panes["code"].value.startswith(
        "<details open>")


def test_static_view_shows_pictures_not_markup() -> None:
    """Sanitizers of untrusted notebooks strip inline SVG and leave its text: the static view
    carries its pictures as PNG images, the same bytes every run."""
    widget = gl.compare(s.no_grad_broken, s.clean_fixed, title="no_grad")
    html = widget.static().data
    assert "<svg" not in html and html.count('<img src="data:image/png;base64,') == 2 + 2
    assert ">broken</h4>" in html and ">fixed</h4>" in html and STATIC_NOTE in html
    assert html == gl.compare(s.no_grad_broken, s.clean_fixed, title="no_grad").static().data


def test_display_is_a_static_view_then_the_live_toggle(ip: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two outputs: what every page can show, and the widget (whose output holds no text to
    show where widgets do not render)."""
    shown: list[dict[str, Any]] = []
    monkeypatch.setattr(ip.display_pub, "publish", lambda data, *_, **__: shown.append(data))
    widget = gl.compare(s.no_grad_broken, s.clean_fixed)
    widget._ipython_display_()
    static, live = shown
    assert 'class="gradlab-compare-static"' in static["text/html"]
    assert ".jp-OutputArea:has(.gradlab-live) .gradlab-compare-static{display:none}" in \
        static["text/html"]
    assert live["text/plain"] == "" and live[WIDGET_VIEW]["model_id"] == widget.model_id


def test_a_toggle_whose_kernel_is_gone_says_so() -> None:
    """ipywidgets marks a view whose kernel restarted `jupyter-widgets-disconnected`; the
    toggle's CSS then shows the note and stops the clicks (the browser test watches it)."""
    widget = gl.compare(s.no_grad_broken, s.clean_fixed)
    assert "gradlab-live" in widget._dom_classes
    (gone,) = [c for c in widget.children if "gradlab-kernel-gone" in c._dom_classes]
    assert KERNEL_GONE in gone.value
    css = widget.heading.value
    assert ".gradlab-live.jupyter-widgets-disconnected .gradlab-kernel-gone{display:block}" in css
    assert ".gradlab-live.jupyter-widgets-disconnected .gradlab-controls" in css


def test_rerun_shows_running_then_the_time_it_took() -> None:
    widget = gl.compare(s.no_grad_broken, s.clean_fixed)
    seen: list[str] = []
    widget.rerun.observe(lambda change: seen.append(change["new"]), names="description")
    widget.rerun.click()
    assert seen == ["running…", "rerun"] and not widget.rerun.disabled
    assert re.fullmatch(r"ran broken in \d+\.\d\d s", widget.status.value)


def test_a_click_draws_the_graph_first_and_the_curve_right_after() -> None:
    """In a kernel (an event loop runs) a flip fills the graph pane and returns; the training
    run and its curve follow. The curve is the one a synchronous run draws."""
    reference = gl.compare(lambda: _step_variant(False), lambda: _step_variant(True),
                           train_steps=8)
    reference.show("fixed")
    widget = gl.compare(lambda: _step_variant(False), lambda: _step_variant(True),
                        train_steps=8)
    widget.comparison.clear("fixed")

    async def click() -> None:
        widget.toggle.value = "fixed"
        assert "<svg" in widget.panes["graph"].value
        assert not widget.comparison.trained("fixed")
        await asyncio.sleep(0)
        assert widget.comparison.trained("fixed")

    asyncio.run(click())
    assert widget.comparison.run("fixed").losses == reference.comparison.run("fixed").losses
    assert widget.panes["curve"].value == reference.panes["curve"].value


def test_closing_the_widget_frees_the_models() -> None:
    refs: list[weakref.ref[nn.Module]] = []

    def broken() -> dict[str, Any]:
        result = s.no_grad_broken()
        refs.append(weakref.ref(result["model"]))
        return result

    widget = gl.compare(broken, s.clean_fixed)
    widget.show("fixed")
    widget.close()
    del widget
    gc.collect()
    assert refs and all(ref() is None for ref in refs)


def test_bad_arguments_get_clear_errors() -> None:
    with pytest.raises(TypeError, match="zero-argument function"):
        gl.compare(1, s.clean_fixed)
    with pytest.raises(ValueError, match="train_steps="):
        gl.compare(s.no_grad_broken, s.clean_fixed, train_steps=-1)


@pytest.fixture
def ip() -> Any:
    """An IPython shell with `%load_ext gradlab` (started once per process)."""
    shell = start_ipython() or get_ipython()
    assert shell is not None
    shell.run_line_magic("load_ext", "gradlab")
    return shell


def test_cell_magic_shows_graph_and_report(ip: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ip.user_ns.update(old_loss=torch.tensor(1.0))  # earlier cells' variables are not the loss
    ip.run_cell_magic("gradlab", "", "import torch\nw = torch.randn(3, requires_grad=True)\n"
                      "v = torch.ones(3, requires_grad=True)\n"
                      "with torch.no_grad():\n    h = w * 2\nloss = (h * v).sum()\n")
    out = capsys.readouterr().out
    assert "w ─╳→ MulBackward0: no_grad at line 5" in out and "old_loss" not in out
    assert ip.user_ns["loss"].grad_fn is not None  # the cell's variables stay defined
    ip.run_cell_magic("gradlab", "--loss total", "total = (w * 3).sum()\n")
    assert "no problems found" in capsys.readouterr().out


def test_an_error_inside_a_callback_is_shown_in_the_panel(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while filling the panes (here: drawing) lands in the error pane, not in a
    log nobody reads, and the next flip works again."""
    import gradlab.widgets as widgets_module

    widget = gl.compare(s.no_grad_broken, s.clean_fixed)

    def broken_drawing(result: Any, big: bool = False) -> str:
        raise RuntimeError("the drawing failed")

    monkeypatch.setattr(widgets_module, "graph_html", broken_drawing)
    widget.toggle.value = "fixed"
    assert "gradlab failed while showing fixed" in widget.panes["error"].value
    assert "RuntimeError: the drawing failed" in widget.panes["error"].value
    monkeypatch.undo()
    widget.show("fixed", fresh=True)
    assert widget.panes["error"].value == "" and "<svg" in widget.panes["graph"].value


def test_cell_magic_without_a_loss_says_what_to_name(
        ip: Any, capsys: pytest.CaptureFixture[str]) -> None:
    result = ip.run_cell("%%gradlab\nvalue = 3\n")
    assert type(result.error_in_exec).__name__ == "UsageError"  # IPython shows only the message
    out = capsys.readouterr()
    assert "%%gradlab: no loss found" in out.out + out.err
    assert "Traceback" not in out.out + out.err


def test_an_exception_is_shown_once() -> None:
    widget = gl.compare(s.double_backward_broken, s.double_backward_fixed)
    shown = "".join(pane.value for pane in widget.panes.values())
    assert shown.count("<b>raised</b>") == 1 and "Trying to backward" in shown
    assert widget.static().data.count("<b>raised</b>") == 1


def test_classroom_mode_makes_every_toggle_big(monkeypatch: pytest.MonkeyPatch) -> None:
    """GRADLAB_CLASSROOM=1 before JupyterLab starts: every lesson's toggles in projector
    mode, no lesson edited; an explicit big= still wins."""
    monkeypatch.setenv("GRADLAB_CLASSROOM", "1")
    assert gl.compare(s.no_grad_broken, s.clean_fixed).big
    assert not gl.compare(s.no_grad_broken, s.clean_fixed, big=False).big
    monkeypatch.delenv("GRADLAB_CLASSROOM")
    assert not gl.compare(s.no_grad_broken, s.clean_fixed).big


def _returns_nothing() -> dict[str, Any]:
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.1)

    def step() -> None:
        optimizer.zero_grad()
        loss = (w * 2).sum()
        loss.backward()
        optimizer.step()

    loss = (w * 2).sum()
    step()
    return locals()


def test_a_step_that_returns_nothing_is_named_in_the_error_pane() -> None:
    """The training run fails after the panes were filled: the error pane says why."""
    widget = gl.compare(_returns_nothing, s.clean_fixed, train_steps=3)
    widget.show("broken")
    assert "step() must return the loss" in widget.panes["error"].value
    widget.show("fixed")
    widget.show("broken")
    assert "step() must return the loss" in widget.panes["error"].value
    assert "step() must return the loss" in widget.static().data


def test_cell_magic_shows_a_syntax_error_as_any_cell_does(
        ip: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ip.run_cell("%%gradlab\nx = (\n")
    out = capsys.readouterr()
    shown = out.out + out.err
    assert "SyntaxError" in shown and "was never closed" in shown
    assert "magic.py" not in shown and f"Cell In[{ip.execution_count}], line 1" in shown


def test_cell_magic_shows_the_cells_error_without_gradlabs_frames(
        ip: Any, capsys: pytest.CaptureFixture[str]) -> None:
    result = ip.run_cell("%%gradlab\nx = 1\n1 / 0\n")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    out = capsys.readouterr()
    shown = out.out + out.err
    assert "ZeroDivisionError" in shown and "----> 2 1 / 0" in shown
    assert "gradlab" not in shown.replace("run_cell_magic('gradlab'", ""), shown


def test_classroom_switch_enlarges_the_cell_magic_and_printed_text(
        ip: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """gl.classroom(True) in a notebook: large type for what %%gradlab shows (its graph and its
    report) and a page style for printed text; gl.classroom(None) gives the server's default."""
    shown: list[dict[str, Any]] = []
    monkeypatch.setattr(ip.display_pub, "publish", lambda data, *_, **__: shown.append(data))
    cell = "import torch\nw = torch.randn(3, requires_grad=True)\nloss = (w * 2).sum()\n"
    ip.run_cell_magic("gradlab", "", cell)
    normal = [d["text/html"] for d in shown]
    shown.clear()
    try:
        gl.classroom(True)
        (style,) = [d["text/html"] for d in shown]
        assert ".jp-OutputArea-output pre" in style and "font-size:1.35em" in style
        shown.clear()
        ip.run_cell_magic("gradlab", "", cell)
        big = [d["text/html"] for d in shown]
    finally:
        gl.classroom(None)
    assert 'style="font-size:1em"' in normal[1] and 'style="font-size:1.35em"' in big[1]
    assert normal[0] != big[0]  # the graph, in large type
    with pytest.raises(TypeError, match="True, False or None"):
        gl.classroom("yes")  # type: ignore[arg-type]


def test_values_in_both_variants_graphs() -> None:
    """gl.compare(..., values=True): each node's tensor and gradient, live and static."""
    widget = gl.compare(s.no_grad_broken, s.clean_fixed, values=True)
    assert "data " in widget.panes["graph"].value and "grad " in widget.panes["graph"].value
    assert widget.result.view is not None and widget.result.view.values
    assert "data " not in gl.compare(s.no_grad_broken, s.clean_fixed).panes["graph"].value
    assert widget.static().data.count(": data ") >= 2  # the pictures' words list the values
    with pytest.raises(TypeError, match="values= takes True or False"):
        gl.compare(s.no_grad_broken, s.clean_fixed, values=1)  # type: ignore[arg-type]
