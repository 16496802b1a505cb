"""gl.draw: every failure mode draws its cut where it happened, fixed programs draw clean,
output is stable, large graphs fold, and a missing `dot` gives words instead of a crash."""

from __future__ import annotations

import base64
import html
import re
import threading
import warnings
from pathlib import Path
from typing import Any, cast

import pytest
import scenarios as s
import torch
from torch import nn

import gradlab as gl
from gradlab.picture import FIT_PX, legend_svg, png_width
from gradlab.render import CUT_COLOUR, DOT_MISSING, FIT_WIDTH_PT, IN_PLACE_COLOUR, LEGEND
from gradlab.values import capture, summary

# kind -> (source node label, destination node label, edge label) of the severed edge
SEVERED = {
    "missing_requires_grad": ("w", "AddBackward0", "requires_grad=False"),
    "plain_tensor_attribute": ("w", "AddBackward0", "plain tensor, not a Parameter"),
    "no_grad": ("ReluBackward0", "AddmmBackward0", "no_grad"),
    "inference_mode": ("linear(...)", "where it failed", "inference_mode"),
    "detach": ("ReluBackward0", "AddmmBackward0", "detach"),
    "data_attribute": ("ReluBackward0", "AddmmBackward0", ".data"),
    "numpy_roundtrip": ("ReluBackward0", "loss", "detach + numpy"),
    "rewrap": ("SumBackward0", "loss", "rewrap"),
    "non_differentiable": ("AddmmBackward0", "loss", "non-differentiable"),
    "integer_dtype": ("ReluBackward0", "AddmmBackward0", "integer dtype"),
}
# kind -> (node label, words its box carries) for what is drawn as a mark, not an edge
MARKED = {
    "in_place": ("SigmoidBackward0", "stale: version 1, saved at 0"),
    "double_backward": ("MseLossBackward0", "freed"),
    "non_leaf_grad": ("ToCopyBackward0", "non-leaf: .grad is None, use retain_grad()"),
    "not_in_optimizer": ("blocks[0].weight", "not in optimizer"),
    "frozen_parameter": ("fc1.weight", "frozen: requires_grad=False"),
    "unused_parameter": ("extra.weight", "unused: no path to the loss"),
}


def _node_id(view: gl.GraphView, label: str) -> str:
    (node,) = view.graph.find(label)
    return node.id


def _statement(view: gl.GraphView, head: str) -> str:
    """The DOT statement that starts with `head` (a node id or `a -> b`), attributes and all."""
    found = re.findall(rf"^\t{re.escape(head)}(?: \[.*?\])?$", view.source, re.M | re.S)
    assert len(found) == 1, f"no single statement {head!r} in\n{view.source}"
    return str(found[0])


def _dot_edge(view: gl.GraphView, src: str, dst: str) -> str:
    """The DOT statement of the edge between two labelled nodes."""
    return _statement(view, f"{_node_id(view, src)} -> {_node_id(view, dst)}")


@pytest.mark.parametrize("kind", sorted(SEVERED))
def test_severed_edge_is_drawn_dashed_and_labelled(kind: str) -> None:
    broken, _, _ = s.BROKEN_FIXED[kind]
    src, dst, label = SEVERED[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broken program warns; pytest would make it raise
        view = gl.draw(broken)
    line = _dot_edge(view, src, dst)
    assert f'label="╳ {label}' in line and "style=dashed" in line and "arrowhead=tee" in line


@pytest.mark.parametrize("kind", sorted(MARKED))
def test_marked_node_carries_its_words(kind: str) -> None:
    broken, _, _ = s.BROKEN_FIXED[kind]
    label, words = MARKED[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broken program warns; pytest would make it raise
        view = gl.draw(broken)
    assert words in _statement(view, _node_id(view, label))


@pytest.mark.parametrize("kind", sorted(s.BROKEN_FIXED))
def test_fixed_variant_draws_clean(kind: str) -> None:
    _, fixed, _ = s.BROKEN_FIXED[kind]
    view = gl.draw(fixed)
    assert view.graph.severed == []
    assert CUT_COLOUR not in view.source, view.source
    assert "0 severed edges" in view.summary() and "─╳→" not in view.summary()


def test_in_place_change_is_its_own_mark_not_a_severed_edge() -> None:
    """The graph is intact and a saved value is stale: no red, no tee, not counted as a cut;
    the legend shows the same mark."""
    view = gl.draw(s.in_place_broken)
    line = _dot_edge(view, "relu (in place)", "SigmoidBackward0")
    assert 'label="✎ in-place' in line and f"color={IN_PLACE_COLOUR}" in line
    assert "tee" not in line and "dashed" not in line and CUT_COLOUR not in line
    assert f"color={IN_PLACE_COLOUR}" in _statement(view, _node_id(view, "relu (in place)"))
    legend = _legend_statement(view, "changed_from -> legend_changed")
    assert "arrowhead=odiamond" in legend and f"color={IN_PLACE_COLOUR}" in legend
    summary = view.summary()
    assert ", 0 severed edges" in summary.splitlines()[0] and "─╳→" not in summary
    assert "relu (in place) ─✎→ model.1: in-place at scenarios.py:" in summary
    assert "(the graph is intact: a saved value is stale)" in summary


def _legend_statement(view: gl.GraphView, head: str) -> str:
    """The DOT statement of the legend cluster that starts with `legend_` + `head`."""
    found = re.findall(rf"^\t\tlegend_{re.escape(head)} \[.*\]$", view.source, re.M)
    assert len(found) == 1, f"no single legend statement {head!r} in\n{view.source}"
    return str(found[0])


def _attributes(statement: str) -> dict[str, str]:
    """The attributes of one DOT statement, without its label."""
    pairs = re.findall(r'(\w+)=("[^"]*"|[^ \]]+)', statement.partition("[")[2])
    return {k: v.strip('"') for k, v in pairs if k != "label"}


@pytest.mark.parametrize("kind", sorted(s.BROKEN_FIXED))
def test_legend_draws_each_mark_as_the_picture_does(kind: str) -> None:
    """Every node the picture draws looks like its legend entry (same fill, border, shape),
    or like one with the red border of "problem found here"."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a broken program may warn; pytest would make it raise
        view = gl.draw(s.BROKEN_FIXED[kind][0])
    entries = {k: _attributes(_legend_statement(view, k))
               for k, _ in LEGEND if k not in ("severed", "intended", "changed")
               and f"legend_{k} [" in view.source}
    for node in view.folded.nodes:
        attrs = _attributes(_statement(view, node.id))
        marked = entries.get("marked", {})
        matching = [k for k, entry in entries.items() if attrs in (entry, {**entry, **marked})]
        assert matching, f"{node.label} drawn {attrs}, legend has {entries}"


def test_a_leaf_that_gets_no_gradient_is_not_blue() -> None:
    """Blue is "leaf that gets .grad" in the legend: a cut-off leaf is drawn otherwise."""
    view = gl.draw(s.no_grad_broken)
    attrs = _attributes(_statement(view, _node_id(view, "fc1.weight")))
    assert attrs["fillcolor"] != "lightblue" and attrs["color"] == CUT_COLOUR
    assert "leaf that gets no .grad" in view.source


def test_severed_edge_summary_names_parameters_module_cause_and_line() -> None:
    lines = gl.draw(s.no_grad_broken).summary().splitlines()
    assert lines[0] == "graph: 9 nodes (1 output, 4 ops, 4 leaves), 1 severed edge"
    assert "fc1.weight, fc1.bias ─╳→ fc2: no_grad at scenarios.py:33" in lines


def test_intended_cut_is_drawn_apart_without_alarm() -> None:
    view = gl.draw(s.inference_mode_fixed)  # backbone under no_grad, not in the optimizer
    (edge,) = [e for e in view.graph.edges if e.cause]
    assert edge.intended and not edge.severed
    line = _statement(view, f"{edge.src} -> {edge.dst}")
    assert 'label="· no_grad' in line and "style=dotted" in line and CUT_COLOUR not in line


def test_show_saved_draws_saved_tensors_in_orange() -> None:
    plain = gl.draw(s.in_place_predicted_fixed)
    saved = gl.draw(s.in_place_predicted_fixed, show_saved=True)
    assert "orange" not in plain.source
    assert re.search(r'n\d+s0 \[label="result \(3,\)" fillcolor=orange\]', saved.source)
    assert "ExpBackward0 saved: result (3,)" in saved.summary()
    assert "saved:" not in plain.summary()


def test_dot_is_identical_across_runs_and_has_no_addresses() -> None:
    first, second = gl.draw(s.in_place_broken).source, gl.draw(s.in_place_broken).source
    assert first == second
    assert "0x" not in first and not re.search(r"\d{7,}", first)


def test_legend_uses_the_course_words_for_what_is_drawn() -> None:
    source = gl.draw(s.no_grad_broken).source
    assert "cluster_legend" in source
    for words in ("leaf that gets .grad", "backward op (grad_fn)",
                  "severed edge: gradient does not flow (cause, line)"):
        assert words in source
    assert "frozen on purpose" not in source  # only what the picture shows
    assert "cluster_legend" not in gl.draw(s.no_grad_broken, legend=False).source


def _transformer_step(cut_layer: int | None = None) -> dict[str, Any]:
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=32, dropout=0.0,
                                       batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=24, enable_nested_tensor=False)
    if cut_layer is not None:
        model.layers[cut_layer].linear2.forward = torch.no_grad()(  # type: ignore[method-assign]
            model.layers[cut_layer].linear2.forward)
    loss = model(torch.randn(2, 5, 16)).pow(2).mean()
    loss.backward()
    return locals()


def test_transformer_24_layers_folds_to_at_most_150_boxes() -> None:
    view = gl.draw(_transformer_step)
    total_ops = sum(n.kind == "op" for n in view.graph.nodes)
    assert len(view.graph.nodes) > 1000
    assert view.folded.drawn <= 150
    drawn_ops = sum(n.kind == "op" for n in view.folded.nodes)
    assert drawn_ops + sum(b.ops for b in view.folded.boxes) == total_ops
    labels = [b.label for b in view.folded.boxes]
    assert "model.layers.2 … model.layers.23 (22 alike)" in labels, labels
    assert f"drawn folded: {view.folded.drawn} boxes and nodes for" in view.summary()
    assert gl.draw(_transformer_step, collapse=False).folded.boxes == []


class _Gated(nn.Module):
    """An op of its own after its layer returned, while another thread is inside a layer."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.head = nn.Linear(3, 1)
        self.elsewhere = nn.Linear(3, 3)
        self.entered, self.go = threading.Event(), threading.Event()
        self.elsewhere.register_forward_pre_hook(self._hold)

    def _hold(self, module: nn.Module, args: Any) -> None:
        self.entered.set()
        self.go.wait(10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        worker = threading.Thread(target=self.elsewhere, args=(x,))
        worker.start()
        self.entered.wait(10)  # the worker is inside `elsewhere` from here on
        gated = torch.sigmoid(self.fc(x))
        self.go.set()
        worker.join()
        return self.head(gated)


def test_each_node_is_placed_in_the_module_that_made_it() -> None:
    """Module entry and exit are kept as autograd sequence numbers; another thread's module
    calls leave them alone."""
    def step() -> dict[str, Any]:
        model = _Gated()
        loss = model(torch.randn(4, 3)).sum()
        return locals()

    graph = gl.diagnose(step).graph
    module = {n.label: n.module for n in graph.nodes if n.kind == "op"}
    assert module["SigmoidBackward0"] == "_Gated", module
    assert sorted(n.module for n in graph.nodes if n.label == "AddmmBackward0") == [
        "fc", "head"]
    assert module["SumBackward0"] == ""


class _Refuses(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise ValueError(f"refused a batch of {len(x * 2)}")  # a node made, then it fails


class _Fallback(nn.Module):
    """A layer that fails inside, caught by its parent, which goes on."""

    def __init__(self) -> None:
        super().__init__()
        self.strict, self.fc = _Refuses(), nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        try:
            return cast(torch.Tensor, self.strict(x))
        except ValueError:
            return torch.tanh(self.fc(x))


def test_a_module_that_raised_is_left_when_its_error_passes() -> None:
    def step() -> dict[str, Any]:
        model = _Fallback()
        loss = model(torch.randn(4, 3, requires_grad=True)).sum()
        return locals()

    module = {n.label: n.module for n in gl.diagnose(step).graph.nodes if n.kind == "op"}
    assert module["TanhBackward0"] == "_Fallback" and module["AddmmBackward0"] == "fc", module


def test_folding_never_hides_a_severed_edge() -> None:
    view = gl.draw(lambda: _transformer_step(cut_layer=5))
    (edge,) = view.graph.severed
    drawn = {n.id for n in view.folded.nodes}
    assert edge.src in drawn and edge.dst in drawn
    assert view.folded.drawn <= 150
    assert "╳ no_grad" in view.source


def test_svg_and_files(tmp_path: Path) -> None:
    view = gl.draw(s.no_grad_broken)
    assert view.svg().lstrip().startswith("<?xml") and "╳ no_grad" in view.svg()
    for suffix in ("svg", "png", "pdf", "dot"):
        assert view.save(tmp_path / f"g.{suffix}").stat().st_size > 100
    assert set(view._repr_mimebundle_()) == {"text/html", "text/plain"}


def _pictures(html: str) -> list[tuple[bytes, str]]:
    """The PNG images of an HTML output, with their alt text."""
    return [(base64.b64decode(data), alt) for data, alt in re.findall(
        r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)"', html)]


def test_a_drawing_is_pictures_with_words_and_stable_bytes() -> None:
    """Every page shows the HTML (untrusted ones too: PNG survives the sanitizer): the graph
    with its summary as alt text (what nbconvert's site and a screen reader give), the legend
    beside it in words; the same graph gives the same bytes (stored notebooks do not churn)."""
    view = gl.draw(s.no_grad_broken)
    bundle = view._repr_mimebundle_()
    (graph, words), (legend, key) = _pictures(bundle["text/html"])
    assert graph.startswith(b"\x89PNG\r\n\x1a\n") and legend.startswith(b"\x89PNG")
    assert html.unescape(words) == view.summary() == bundle["text/plain"]
    assert key.startswith("legend: output: the loss backward() starts from;")
    assert "cluster_legend" not in view.fitted(False).source  # the legend is its own picture
    assert gl.draw(s.no_grad_broken)._repr_mimebundle_() == bundle


def test_a_wide_graph_is_laid_out_to_fit_a_1280_px_page() -> None:
    """A 24-layer transformer's graph: ranked left-to-right or folded further until it fits
    900 px at its own type size, never shrunk."""
    view = gl.draw(_transformer_step)
    fitted = view.fitted(False)
    assert png_width(fitted.png()) <= FIT_PX[False] < png_width(view.png())
    assert 'fontsize="10"' not in fitted.source and "fontsize=14" not in fitted.source


def test_classroom_switch_draws_in_large_type() -> None:
    view = gl.draw(s.no_grad_broken)
    normal = view._repr_mimebundle_()["text/html"]
    gl.classroom(True)
    try:
        big = view._repr_mimebundle_()["text/html"]
        assert gl.compare(s.no_grad_broken, s.clean_fixed).big
        gl.classroom(False)
        assert not gl.compare(s.no_grad_broken, s.clean_fixed).big
    finally:
        gl.classroom(None)  # back to the server's default
    assert _pictures(big)[0][0] == view.fitted(True).png() != _pictures(normal)[0][0]
    assert "fontsize=14" in view.fitted(True).source


def _micrograd() -> dict[str, Any]:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    h = x * w
    loss = h.relu().sum()
    loss.backward()
    return locals()


def test_values_show_each_nodes_tensor_and_gradient() -> None:
    """The micrograd picture: h = x * w = [0.5, -2]; relu zeroes -2, so the gradient reaching
    h is [1, 0], and x gets w * [1, 0]. A large tensor shows min, max and norm."""
    view = gl.draw(_micrograd, values=True)
    labels = {n.label: view.values.get(n.id, "") for n in view.graph.nodes}
    assert labels["MulBackward0"] == "data [0.5, -2]\ngrad [1, 0]"
    assert labels["ReluBackward0"] == "data [0.5, 0]\ngrad [1, 1]"
    assert labels["x"] == "data [1, 2]\ngrad [0.5, 0]"
    assert labels["w"] == "data [0.5, -1]\ngrad [1, 0]"
    assert "data [0.5, -2]\ngrad [1, 0]" in view.source and "data" not in gl.draw(
        _micrograd).source
    assert "data [0.5, -2]" in view.fitted(False).source  # the static view's picture too
    assert "MulBackward0: data [0.5, -2], grad [1, 0]" in view.summary()  # and its words
    assert summary(torch.arange(10.0)) == "min 0 max 9 norm 16.9"
    assert summary(torch.zeros(5)) == "all zero"
    assert summary(torch.tensor([1.0, float("nan")])) == "1 of 2 not finite"


def test_values_of_a_loss_tensor_are_its_leaves_now() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * 3).sum()
    loss.backward()
    view = gl.draw(loss, values=True)
    (leaf,) = [n for n in view.graph.nodes if n.kind == "leaf"]
    assert view.values == {leaf.id: "data [1, 2]\ngrad [3, 3]"}


def test_values_change_nothing_in_the_run() -> None:
    """values=True hooks autograd nodes, never the user's tensors, and only while it draws:
    the same gradients, no tensor hook, no gradient retained, and silence afterwards."""
    plain, kept = _micrograd(), {}

    def watched() -> dict[str, Any]:
        kept.update(_micrograd())
        return kept

    gl.draw(watched, values=True)
    for name in ("x", "w", "h", "loss"):
        assert kept[name]._backward_hooks is None, name
    for name in ("x", "w"):
        assert torch.equal(plain[name].grad, kept[name].grad)
    assert not kept["h"].retains_grad
    with capture() as seen:
        h = kept["x"] * 2
    assert seen is not None and set(seen.values.values()) == {"[2, 4]"}
    h.sum().backward()  # after the capture: its hook stays silent
    assert seen.grads == {}


def test_projector_picture_keeps_large_type_and_fits() -> None:
    """Large type (14 pt), no legend inside; a graph too wide top-to-bottom is ranked
    left-to-right or folded further instead of shrunk."""
    small = gl.draw(s.no_grad_broken).fitted(True)
    assert "fontsize=14" in small.source and "cluster_legend" not in small.source
    assert "leaf that gets .grad" in legend_svg(small.used, big=True)
    wide = gl.draw(_transformer_step).fitted(True)
    width = re.search(r'<svg width="([\d.]+)pt"', wide.svg())
    assert width is not None and float(width.group(1)) <= FIT_WIDTH_PT
    folded_further = wide.folded.drawn < gl.draw(_transformer_step).folded.drawn
    assert "rankdir=LR" in wide.source or folded_further


def test_without_dot_the_summary_and_install_command_are_shown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    view = gl.draw(s.no_grad_broken)
    bundle = view._repr_mimebundle_()
    assert "<img" not in bundle["text/html"]
    assert "apt-get install graphviz" in bundle["text/html"]
    assert "fc1.weight, fc1.bias ─╳→ fc2" in bundle["text/plain"]
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        view.save(tmp_path / "g.png")
    assert view.save(tmp_path / "g.dot").read_text() == view.source
    assert gl.diagnose(s.no_grad_broken).kinds() == ["no_grad"]  # analysis unaffected
    assert DOT_MISSING in bundle["text/plain"]


@pytest.mark.parametrize("call, error, words", [
    (lambda: gl.draw(), TypeError, "needs a loss tensor"),
    (lambda: gl.draw(42), TypeError, "loss tensor or a zero-argument function"),
    (lambda: gl.draw(s.no_grad_broken, collapse="yes"), ValueError, "collapse= takes"),
    (lambda: gl.draw(s.no_grad_broken, max_nodes=3), ValueError, "max_nodes= takes"),
    (lambda: gl.draw(report="x"), TypeError, "report= takes"),
    (lambda: gl.draw(s.no_grad_broken).save("g.jpg"), ValueError, "writes .svg, .png"),
])
def test_bad_input_gets_a_clear_error(call: Any, error: type, words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_the_debug_lessons_graph_fits_with_every_cut_named() -> None:
    """Lesson 10's %%gradlab graph (1,750 px drawn plainly) fits 900 px in both type sizes,
    labels wrapped and unconnected parts stacked, and keeps every cut's cause and line (graphviz's
    `pack` would drop them)."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "notebooks"))
    try:
        from train_buggy import Net, make_data  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    x, y = make_data()

    def step() -> dict[str, Any]:
        torch.manual_seed(0)
        model = Net()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        return locals()

    view = gl.draw(step)
    assert png_width(view.png()) > FIT_PX[False]
    for big in (False, True):
        fitted = view.fitted(big)
        assert png_width(fitted.png()) <= FIT_PX[big], big
        svg = fitted.svg()
        for words in ("no_grad", "train_buggy.py:29", "detach + numpy", "train_buggy.py:31"):
            assert words in svg, (big, words)


@pytest.mark.parametrize("program", s.ALL, ids=lambda p: p.__name__)
def test_no_cut_drawn_quiet_where_the_report_warns(program: s.Scenario) -> None:
    """A cut drawn "may be intended" (grey, dotted) is never at a line that a kept error or
    warning stands at or names."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = gl.diagnose(program)
    alarms = [f for f in report.findings if f.severity != "info"]
    for edge in report.graph.edges:
        if edge.cause and edge.intended and edge.where:
            named = re.compile(rf"(?<![\w.]){re.escape(edge.where)}(?!\d)")
            assert not any(f.where == edge.where or named.search(f.message) for f in alarms), \
                (edge, report)
