"""Silent failures: zero, NaN and stale gradients, re-wraps, rebinding, registration, and the
`steps=` table. Each rule has a broken program that must be found and a fixed one that must not
(the kinds with their own entry in scenarios.BROKEN_FIXED are checked in test_findings)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import scenarios as S
import torch

import gradlab as gl
from gradlab.explanations import LESSONS


def diagnose_quietly(scenario: S.Scenario, **kwargs: int) -> gl.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scenarios trigger torch's own warnings on purpose
        return gl.diagnose(scenario, **kwargs)


def line_of(text: str, within: Callable[..., Any] | None = None) -> str:
    """`scenarios.py:N` of the first line containing `text` (in the function `within`)."""
    if within is None:
        lines, start = Path(S.__file__).read_text(encoding="utf-8").splitlines(), 1
    else:
        lines, start = inspect.getsourcelines(within)
    return f"scenarios.py:{next(i for i, line in enumerate(lines, start) if text in line)}"


@pytest.mark.parametrize(("kind", "broken", "fixed", "severity"), S.SILENT_MORE,
                         ids=[f"{k}-{b.__name__}" for k, b, _, _ in S.SILENT_MORE])
def test_silent_failure_found_in_broken_and_absent_from_fixed(
        kind: str, broken: S.Scenario, fixed: S.Scenario, severity: str) -> None:
    found = diagnose_quietly(broken)
    assert (kind, severity) in [(f.kind, f.severity) for f in found.findings], str(found)
    clean = diagnose_quietly(fixed)
    assert clean.ok, str(clean)


def test_silent_kinds_have_their_lessons() -> None:
    for kind in ("zero_gradient", "nan_gradient", "constant_loss_term"):
        assert LESSONS[kind] == "08_silent_gradients"
    for kind in ("rebound_parameter", "unregistered_module"):
        assert LESSONS[kind] == "09_training_loop"


def test_round_names_the_op_and_line() -> None:
    (finding,) = diagnose_quietly(S.round_prediction_broken).problems
    assert finding.where == line_of("rounded = out + (out.round() - out).detach()")
    assert "round()" in finding.message and "model.0.weight" in finding.names


def test_dead_relu_is_traced_to_the_relu() -> None:
    report = diagnose_quietly(S.zero_gradient_broken)
    zero = [f for f in report.problems if f.kind == "zero_gradient"]
    assert {n for f in zero for n in f.names} == {"model.0.weight", "model.0.bias",
                                                  "model.2.weight"}
    assert all("ReluBackward0" in f.message for f in zero if f.names[0].startswith("model.0"))
    # the next layer's weight: no op on its own path stopped it, its input is all zero
    (after,) = [f for f in zero if f.names == ("model.2.weight",)]
    assert after.severity == "warning"
    assert "its input, the output of ReluBackward0" in after.message
    assert "cancel" not in after.message and "may be intended" not in after.message


def test_tiny_gradients_are_not_called_zero() -> None:
    """The squares of float32 values near 1e-25 underflow: their 2-norm is 0, the gradient
    is not."""
    def tiny() -> dict[str, Any]:
        w = torch.ones(4, requires_grad=True)
        loss = (w * 1e-25).sum()
        loss.backward()
        return locals()

    report = diagnose_quietly(tiny)
    assert not any(f.kind == "zero_gradient" for f in report.findings)
    (row,) = [r for r in report.grads if r.name == "w"]
    assert row.state == "norm" and row.norm == pytest.approx(2e-25)


def test_nan_names_the_forward_op_line_and_fix() -> None:
    (finding,) = diagnose_quietly(S.nan_gradient_broken).problems
    assert finding.where == line_of("loss = torch.sqrt(((head(feats) - targets) ** 2)")
    assert "sqrt of 0" in finding.message and "eps" in finding.fix
    assert set(finding.names) == {"head.weight", "head.bias"}


def test_nan_predicted_before_backward_leaves_grad_untouched() -> None:
    scope: dict[str, torch.Tensor] = {}

    def run() -> dict[str, torch.Tensor]:
        scope.update(S.nan_where_branch_broken())
        return scope
    report = diagnose_quietly(run)
    assert [f.kind for f in report.problems] == ["nan_gradient"]
    assert "log2() at" in report.problems[0].message
    assert scope["weight"].grad is None


def test_data_change_before_backward_names_both_lines_and_says_silent() -> None:
    report = diagnose_quietly(S.data_clamp_before_backward_broken)
    found = [f for f in report.problems if f.kind == "data_attribute"]
    assert found and all(f.severity == "error" for f in found)
    change = line_of("p.data.clamp_(0)")
    for f in found:
        assert f.where == change
        assert "silent: no error will be raised" in f.message
        assert "backward at scenarios.py:" in f.message  # the second line: where it was used


def test_rewrap_names_theta_and_suggests_stack() -> None:
    (finding,) = diagnose_quietly(S.rotation_rewrap_broken).problems
    assert finding.names == ("theta",) and "torch.stack" in finding.fix


def test_steps_table_lists_what_did_not_move_and_why() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    fixed_head = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD([*model.parameters(), *fixed_head.parameters()], lr=0.1)
    x, y = torch.randn(8, 3), torch.randint(0, 4, (8, 1)).float()

    def train_step() -> dict[str, object]:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(torch.round(model(x)) + fixed_head(x), y)
        loss.backward()
        optimizer.step()
        return {"loss": loss, "model": model, "fixed_head": fixed_head, "optimizer": optimizer}
    report = diagnose_quietly(train_step, steps=3)
    table = report.steps
    assert isinstance(table, gl.steps.StepTable) and table.ran == 3
    rows = {r.name: r for r in table.rows}
    assert rows["model.0.weight"].moved == "no"
    assert rows["model.0.weight"].why.startswith("non_differentiable")
    assert rows["fixed_head.weight"].moved == "yes"
    assert "moved?" in str(report)


def test_steps_rejects_a_bad_count() -> None:
    with pytest.raises(ValueError, match="whole number of optimizer steps"):
        gl.diagnose(S.mlp, steps=0)


LOSS_DOES_NOT_MOVE = """
import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(16, 4), torch.randint(0, 5, (16, 1)).float()
for _ in range(5):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(torch.round(model(x)), y)
    loss.backward()
    optimizer.step()
"""


def test_cli_steps_prints_the_table(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(LOSS_DOES_NOT_MOVE), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "gradlab", "check", str(script), "--steps", "2",
                           "--json"], capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert {r["moved"] for r in data["steps"]} == {"no"}
    assert all(r["why_not"].startswith("non_differentiable") for r in data["steps"])
    text = subprocess.run([sys.executable, "-m", "gradlab", "check", str(script), "--steps", "2"],
                          capture_output=True, text=True, check=False).stdout
    assert "after 2 optimizer step(s)" in text and "moved?" in text


def test_rebinding_under_no_grad_names_the_line() -> None:
    report = diagnose_quietly(S.rebind_under_no_grad_broken)
    (finding,) = [f for f in report.problems if f.kind == "rebound_parameter"]
    assert finding.names == ("w",)
    assert finding.where == line_of("w = w - 0.1 * w.grad", within=S._manual_sgd)
