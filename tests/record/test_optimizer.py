"""Optimizer steps are told apart by torch's optimizer step hooks, for every Optimizer subclass."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl

X, Y = torch.randn(8, 3), torch.randn(8, 1)


class PlainSGD(torch.optim.Optimizer):
    """A user's own optimizer: its update runs in the user's file, not in torch.optim."""

    def __init__(self, params: Any, lr: float) -> None:
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])


def own_optimizer_without_zero_grad() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = PlainSGD(model.parameters(), lr=0.1)
    for _ in range(3):
        loss = F.mse_loss(model(X), Y)
        loss.backward()
        optimizer.step()
    return locals()


def own_optimizer_with_zero_grad() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = PlainSGD(model.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), Y)
        loss.backward()
        optimizer.step()
    return locals()


def test_a_users_own_optimizer_without_zero_grad_is_found_as_with_sgd() -> None:
    report = gl.diagnose(own_optimizer_without_zero_grad)
    assert [f.kind for f in report.problems] == ["accumulated_gradient"]
    (finding,) = report.problems
    assert finding.names == ("model.bias", "model.weight")
    step_line = own_optimizer_without_zero_grad.__code__.co_firstlineno + 7
    assert f"optimizer.step() at test_optimizer.py:{step_line}" in finding.message


def test_a_users_own_optimizer_with_zero_grad_stays_quiet() -> None:
    assert gl.diagnose(own_optimizer_with_zero_grad).problems == []


def test_the_step_hooks_are_removed_after_the_recording() -> None:
    from torch.optim.optimizer import _global_optimizer_post_hooks, _global_optimizer_pre_hooks

    before = (len(_global_optimizer_pre_hooks), len(_global_optimizer_post_hooks))
    with gl.record():
        p = nn.Parameter(torch.ones(2))
        p.sum().backward()
        PlainSGD([p], lr=0.1).step()
    assert (len(_global_optimizer_pre_hooks), len(_global_optimizer_post_hooks)) == before
