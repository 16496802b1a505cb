"""Gradients accumulated across optimizer steps: a forgotten zero_grad() is found; accumulation
on purpose and every way of resetting `.grad` stay quiet."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl
from gradlab.explanations import LESSONS

X, Y = torch.randn(8, 3), torch.randn(8, 1)


def line_of(text: str, program: Callable[..., Any]) -> str:
    """`test_accumulation.py:N` of the line of `program` that contains `text`."""
    lines, start = inspect.getsourcelines(program)
    return f"test_accumulation.py:{next(i for i, ln in enumerate(lines, start) if text in ln)}"


def no_zero_grad() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        loss = F.mse_loss(model(X), Y)
        loss.backward()
        optimizer.step()
    return locals()


def test_a_forgotten_zero_grad_is_found_with_both_lines() -> None:
    report = gl.diagnose(no_zero_grad)
    (finding,) = report.problems
    assert (finding.kind, finding.severity) == ("accumulated_gradient", "error")
    assert finding.names == ("model.bias", "model.weight")
    assert finding.where == line_of("loss.backward()", no_zero_grad)
    assert f"optimizer.step() at {line_of('optimizer.step()', no_zero_grad)}" in finding.message
    assert "silent: no error will be raised" in finding.message
    assert "zero_grad()" in finding.fix
    assert finding.lesson == LESSONS["accumulated_gradient"] == "09_training_loop"


def one_step_without_zero_grad() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    F.mse_loss(model(X), Y).backward()
    optimizer.step()
    return locals()


def accumulation_on_purpose() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(2):
        for half in range(2):
            loss = F.mse_loss(model(X[half::2]), Y[half::2]) / 2
            loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return locals()


def _reset_each_step(reset: Callable[[nn.Module, torch.optim.Optimizer], None]) -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        reset(model, optimizer)
        loss = F.mse_loss(model(X), Y)
        loss.backward()
        optimizer.step()
    return locals()


def _set_to_none(model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
    for p in model.parameters():
        p.grad = None


def _zero_in_place(model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
    for p in model.parameters():
        if p.grad is not None:
            p.grad.data.zero_()


def gan_discriminator_collects_generator_gradient() -> dict[str, Any]:
    """DCGAN's loop: the generator's loss adds to the discriminator's .grad after its step,
    and netD.zero_grad() clears it before the discriminator's next backward."""
    torch.manual_seed(0)
    net_g, net_d = nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    opt_g = torch.optim.Adam(net_g.parameters(), lr=1e-3)
    opt_d = torch.optim.Adam(net_d.parameters(), lr=1e-3)
    real, ones, zeros = torch.randn(4, 3), torch.ones(4, 1), torch.zeros(4, 1)
    for _ in range(3):
        net_d.zero_grad()
        fake = net_g(torch.randn(4, 2))
        loss_d = (F.binary_cross_entropy(net_d(real), ones)
                  + F.binary_cross_entropy(net_d(fake.detach()), zeros))
        loss_d.backward()
        opt_d.step()
        net_g.zero_grad()
        loss_g = F.binary_cross_entropy(net_d(fake), ones)
        loss_g.backward()
        opt_g.step()
    return locals()


@pytest.mark.parametrize("program", [
    one_step_without_zero_grad,
    accumulation_on_purpose,
    lambda: _reset_each_step(lambda model, optimizer: optimizer.zero_grad()),
    lambda: _reset_each_step(lambda model, optimizer: model.zero_grad(set_to_none=False)),
    lambda: _reset_each_step(_set_to_none),
    lambda: _reset_each_step(_zero_in_place),
    gan_discriminator_collects_generator_gradient,
], ids=["one-step", "on-purpose", "zero_grad", "set_to_none-False", "grad-None",
        "grad-data-zero", "gan"])
def test_reset_or_intended_accumulation_is_quiet(program: Callable[[], dict[str, Any]]) -> None:
    report = gl.diagnose(program)
    assert "accumulated_gradient" not in report.kinds(), str(report)


def test_gradients_are_what_they_are_without_gradlab() -> None:
    plain = no_zero_grad()["model"].weight.grad.clone()
    with gl.record():
        watched = no_zero_grad()["model"].weight.grad
    assert torch.equal(plain, watched)
