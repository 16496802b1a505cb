"""Each finding's words fit its case: the cause it names is the one in the program, and the fix
it gives would fix that program (the cases the lessons show)."""

from __future__ import annotations

import warnings
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

x, y = torch.randn(8, 3), torch.randn(8, 1)


def diagnose_quietly(program: Any) -> gl.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gl.diagnose(program)


def only(report: gl.Report, kind: str) -> gl.Finding:
    (finding,) = [f for f in report.findings if f.kind == kind]
    return finding


def optimizer_before_the_layers() -> dict[str, Any]:
    model = nn.Module()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.fc = nn.Linear(3, 1)
    return locals()


class PlainWeights(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.randn(3, 1, requires_grad=True)


def optimizer_of_plain_weights() -> dict[str, Any]:
    model = PlainWeights()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return locals()


def test_an_empty_optimizer_built_too_early_blames_the_order_not_the_weights() -> None:
    finding = only(diagnose_quietly(optimizer_before_the_layers), "not_in_optimizer")
    assert "plain tensor" not in finding.message and "list" not in finding.message
    assert "after the model is complete" in finding.fix and "ModuleList" not in finding.fix
    assert finding.lesson == "09_training_loop"


def test_an_empty_optimizer_of_plain_weights_names_them() -> None:
    finding = only(diagnose_quietly(optimizer_of_plain_weights), "not_in_optimizer")
    assert "nn.Module does not register w (plain tensor" in finding.message
    assert "nn.Parameter" in finding.fix
    assert finding.lesson == "02_missing_requires_grad"


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)


def head_added_later() -> dict[str, Any]:
    model = Encoder()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.head = nn.Linear(4, 1)
    loss = F.mse_loss(model.head(model.fc(x)), y)
    loss.backward()
    optimizer.step()
    return locals()


def test_a_head_added_after_the_optimizer_is_not_told_to_use_a_module_list() -> None:
    finding = only(diagnose_quietly(head_added_later), "not_in_optimizer")
    assert "after the optimizer was built" in finding.message
    assert "ModuleList" not in finding.fix
    assert "after the model is complete" in finding.fix and "add_param_group" in finding.fix
    assert finding.lesson == "09_training_loop"


def rebound() -> dict[str, Any]:
    w = torch.zeros(3, 1, requires_grad=True)
    for _ in range(2):
        loss = F.mse_loss(x @ w, y)
        loss.backward()
        with torch.no_grad():
            w = w - 0.1 * w.grad
    return locals()


def test_a_rebound_weight_is_not_told_to_set_requires_grad() -> None:
    report = diagnose_quietly(rebound)
    assert report.kinds() == ["missing_requires_grad", "rebound_parameter"]
    crash, cause = report.findings
    assert "requires_grad=True" not in crash.fix
    assert "rebound" in crash.message and cause.where in crash.message
    assert crash.fix == cause.fix and "w -= lr * w.grad" in crash.fix


class TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used, self.unused = nn.Linear(3, 1), nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.used(x)


def unused_head() -> dict[str, Any]:
    model = TwoHeads()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return locals()


def test_ddps_unused_parameter_fix_says_freeze_before_wrapping() -> None:
    said = gl.explain("Expected to have finished reduction in the prior iteration before "
                      "starting a new one.")
    assert said is not None and "before wrapping the model in DDP" in said.fix
    finding = only(diagnose_quietly(unused_head), "unused_parameter")
    assert "before wrapping the model in DDP" in finding.fix
