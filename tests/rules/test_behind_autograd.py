"""Changes through `.data` that autograd cannot see: stale saved values, changes the gradient
ignores, and updates whose history `.data` drops (each with a program that must stay quiet)."""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

import gradlab as gl


def diagnose_quietly(program: Callable[[], dict[str, Any]]) -> gl.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gl.diagnose(program)


def line_of(text: str, program: Callable[..., Any]) -> str:
    """`test_behind_autograd.py:N` of the line of `program` that contains `text`."""
    lines, start = inspect.getsourcelines(program)
    return f"test_behind_autograd.py:{next(i for i, ln in enumerate(lines, start) if text in ln)}"


def data_findings(report: gl.Report) -> list[gl.Finding]:
    return [f for f in report.findings if f.kind == "data_attribute"]


def maml_inner_step_through_data() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    x, y = torch.randn(4, 3), torch.randn(4, 1)
    adapted = copy.deepcopy(model)
    inner = F.mse_loss(adapted(x), y)
    grads = torch.autograd.grad(inner, list(adapted.parameters()), create_graph=True)
    for param, grad in zip(adapted.parameters(), grads, strict=True):
        param.data -= 0.1 * grad
    meta_loss = F.mse_loss(adapted(x), y)
    meta_loss.backward()
    return locals()


def maml_fast_weights() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    x, y = torch.randn(4, 3), torch.randn(4, 1)
    params = dict(model.named_parameters())
    inner = F.mse_loss(functional_call(model, params, (x,)), y)
    grads = torch.autograd.grad(inner, list(params.values()), create_graph=True)
    fast = {name: p - 0.1 * g for (name, p), g in zip(params.items(), grads, strict=True)}
    meta_loss = F.mse_loss(functional_call(model, fast, (x,)), y)
    meta_loss.backward()
    return locals()


def test_update_through_data_drops_the_history_of_a_kept_gradient() -> None:
    (finding,) = data_findings(diagnose_quietly(maml_inner_step_through_data))
    assert finding.severity == "error"
    assert finding.names == ("adapted.bias", "adapted.weight")
    assert finding.where == line_of("param.data -= 0.1 * grad", maml_inner_step_through_data)
    kept = line_of("grads = torch.autograd.grad", maml_inner_step_through_data)
    assert f"autograd.grad() at {kept}" in finding.message
    assert "functional_call" in finding.fix


def test_fast_weights_built_out_of_place_are_quiet() -> None:
    assert diagnose_quietly(maml_fast_weights).ok


def gradient_clamped_through_data() -> dict[str, Any]:
    torch.manual_seed(0)
    fc = nn.Linear(3, 1)
    x = torch.randn(4, 3, requires_grad=True)
    g, = torch.autograd.grad(fc(x).sum(), x, create_graph=True)
    penalty = (g * g).sum()
    g.data.clamp_(-0.1, 0.1)
    penalty.backward()
    return locals()


def parameter_gradient_clamped_through_data() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    F.mse_loss(model(torch.randn(4, 3)), torch.randn(4, 1)).backward(create_graph=True)
    penalty = (model.weight.grad ** 2).sum()
    model.weight.grad.data.clamp_(-0.01, 0.01)
    penalty.backward()
    return locals()


def test_a_gradient_changed_through_data_is_named_as_written() -> None:
    (finding,) = data_findings(diagnose_quietly(gradient_clamped_through_data))
    assert finding.names == ("g",) and finding.severity == "error"
    assert "g changed in place through .data" in finding.message
    assert "MulBackward0 saved it" in finding.message
    (finding,) = data_findings(diagnose_quietly(parameter_gradient_clamped_through_data))
    assert finding.names == ("model.weight.grad",)
    assert finding.where == line_of("model.weight.grad.data.clamp_",
                                    parameter_gradient_clamped_through_data)


def two_losses_stale_on_the_second() -> dict[str, Any]:
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    w1 = torch.randn(3, requires_grad=True)
    w2 = torch.randn(3, requires_grad=True)
    l1 = (x * w1).sum()
    l2 = (x * w2 ** 2).sum()  # pow saves w2
    w2.data.mul_(2)
    torch.autograd.backward([l1, l2])
    return locals()


def test_backward_of_several_tensors_checks_each_of_them() -> None:
    (finding,) = data_findings(diagnose_quietly(two_losses_stale_on_the_second))
    assert finding.names == ("w2",) and finding.severity == "error"
    assert finding.where == line_of("w2.data.mul_(2)", two_losses_stale_on_the_second)


def changes_no_node_sees() -> dict[str, Any]:
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    h = w * 2
    loss = (h + torch.randn(3)).sum()  # add saves nothing: its gradient is 1 whatever h holds
    h.data.zero_()
    w.data.clone().mul_(2)  # a copy: w itself is not changed
    loss.backward()
    return locals()


def test_changes_no_node_sees_are_quiet() -> None:
    scope: dict[str, Any] = {}

    def run() -> dict[str, Any]:
        scope.update(changes_no_node_sees())
        return scope
    report = diagnose_quietly(run)
    assert data_findings(report) == [], str(report)
    assert torch.equal(scope["w"].grad, torch.full((3,), 2.0))  # the gradient is right


def weight_zeroed_after_the_forward() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    loss = F.mse_loss(model(torch.randn(4, 3)), torch.randn(4, 1))
    model.weight.data.zero_()
    loss.backward()
    return locals()


def test_a_weight_used_before_the_change_names_both_lines() -> None:
    (finding,) = data_findings(diagnose_quietly(weight_zeroed_after_the_forward))
    assert finding.names == ("model.weight",) and finding.severity == "error"
    assert finding.where == line_of("model.weight.data.zero_()", weight_zeroed_after_the_forward)
    backward = line_of("loss.backward()", weight_zeroed_after_the_forward)
    assert f"after the forward used them (TBackward0), and backward at {backward}" in (
        finding.message)


def output_scaled_through_data() -> dict[str, Any]:
    torch.manual_seed(0)
    net = nn.Linear(3, 3)
    out = net(torch.randn(2, 3)) * 0.5
    out.data[0] = out.data[0] * 4  # meant as part of the forward: backward does not see it
    loss = (out + 1).sum()
    loss.backward()
    return locals()


def test_a_change_the_gradient_ignores_is_a_warning() -> None:
    (finding,) = data_findings(diagnose_quietly(output_scaled_through_data))
    assert finding.severity == "warning" and finding.names == ("out",)
    assert "then used by AddBackward0" in finding.message
    assert "x + (f(x) - x).detach()" in finding.fix


class Gate(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = torch.sigmoid(self.fc(x))
        g.data.clamp_(0.1, 0.9)  # g is gone when backward runs: sigmoid saved its memory
        return g * x.sum(1, keepdim=True)


def output_clamped_inside_forward() -> dict[str, Any]:
    torch.manual_seed(0)
    model = Gate()
    loss = model(torch.randn(4, 3)).sum()
    loss.backward()
    return locals()


def test_a_change_inside_forward_is_found_after_the_tensor_is_gone() -> None:
    (finding,) = data_findings(diagnose_quietly(output_clamped_inside_forward))
    assert finding.severity == "error" and finding.names == ("g",)
    assert finding.where == line_of("g.data.clamp_(0.1, 0.9)", Gate)
    assert "SigmoidBackward0 saved it" in finding.message


def two_changes_stale_after_the_second() -> dict[str, Any]:
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    first = w * 2
    first.data.zero_()  # only used after the change: a warning of its own
    probs = torch.sigmoid(w * 3)  # made after the first change, before the second
    probs.data.clamp_(0.2, 0.8)
    loss = (probs + first).sum()
    loss.backward()
    return locals()


def test_a_node_made_between_two_changes_is_checked_against_the_later_one() -> None:
    found = data_findings(diagnose_quietly(two_changes_stale_after_the_second))
    assert [(f.names, f.severity) for f in found] == [(("probs",), "error"),
                                                       (("first",), "warning")]
    assert "SigmoidBackward0 saved it" in found[0].message


def every_weight_clamped_in_a_loop() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    loss = F.mse_loss(model(torch.randn(4, 3)), torch.randn(4, 1))
    for p in model.parameters():
        p.data.clamp_(0)
    loss.backward()
    return locals()


def test_changes_on_one_line_are_one_finding_naming_each_weight() -> None:
    (finding,) = data_findings(diagnose_quietly(every_weight_clamped_in_a_loop))
    assert finding.names == ("model.0.bias", "model.0.weight", "model.2.bias", "model.2.weight")
