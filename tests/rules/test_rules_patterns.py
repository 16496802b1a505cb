"""Issue 16's patterns, each on a realistic script, broken and fixed: crashes autograd caused,
losses under other names, swallowed errors, the right cause, integer dtypes, in-place blame."""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import scenarios as S
import torch
from record import test_guarantees as T

import gradlab as gl

ROOT = Path(__file__).resolve().parents[2]


def line_of(text: str) -> str:
    """Return `scenarios.py:N` for the first line of scenarios.py containing `text`."""
    lines = Path(S.__file__).read_text(encoding="utf-8").splitlines()
    return f"scenarios.py:{next(i for i, line in enumerate(lines, 1) if text in line)}"


def line_in(function: Callable[..., Any], text: str) -> str:
    """Return `scenarios.py:N` for the first line containing `text` in `function`."""
    lines, start = inspect.getsourcelines(function)
    return f"scenarios.py:{next(i for i, line in enumerate(lines, start) if text in line)}"


def diagnose_quietly(scenario: Callable[[], Any]) -> gl.Report:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the scenarios trigger torch's own warnings on purpose
        return gl.diagnose(scenario)


def broken(pattern: Callable[[bool], dict[str, Any]]) -> gl.Report:
    return diagnose_quietly(lambda: pattern(False))


def only_error(report: gl.Report) -> gl.Finding:
    errors = [f for f in report.findings if f.severity == "error"]
    assert len(errors) == 1, str(report)
    return errors[0]


@pytest.mark.parametrize("pattern", S.PATTERN_PAIRS, ids=lambda f: f.__name__)
def test_broken_has_an_error_and_fixed_is_clean(pattern: Callable[[bool], Any]) -> None:
    assert any(f.severity == "error" for f in broken(pattern).findings)
    clean = diagnose_quietly(lambda: pattern(True))
    assert clean.ok, str(clean)


def outcome(run: Callable[[], Any]) -> tuple[dict[str, torch.Tensor | None], str, list[str]]:
    """Run a scenario; return the gradients it left, what it raised (of any type) and warned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            scope = run()
            error = ""
        except Exception as exc:  # noqa: BLE001 - the crashes are part of what is compared
            scope = T.deepest_scenario_locals(exc)
            error = f"{type(exc).__name__}: {exc}"
    grads = {f"{name}.{p}": t.grad for name, value in scope.items()
             if isinstance(value, torch.nn.Module) for p, t in value.named_parameters()}
    grads.update({name: value.grad for name, value in scope.items()
                  if isinstance(value, torch.Tensor) and value.is_leaf and value.requires_grad})
    return grads, error, [f"{w.category.__name__}: {w.message}" for w in caught]


@pytest.mark.parametrize("fixed", [False, True], ids=["broken", "fixed"])
@pytest.mark.parametrize("pattern", S.PATTERN_PAIRS, ids=lambda f: f.__name__)
def test_recording_changes_no_gradient_error_or_warning(pattern: Callable[[bool], Any],
                                                        fixed: bool) -> None:
    plain = outcome(lambda: pattern(fixed))
    with gl.record():
        recorded = outcome(lambda: pattern(fixed))
    assert recorded[1:] == plain[1:]
    assert plain[0].keys() == recorded[0].keys()
    for name, grad in plain[0].items():
        other = recorded[0][name]
        assert (grad is None) == (other is None), name
        assert grad is None or other is None or torch.equal(grad, other), name


# --- 1. crashes autograd caused --------------------------------------------------------------
def test_none_grad_of_a_scaled_init_is_traced_to_the_non_leaf() -> None:
    report = broken(S.scaled_init)
    finding = only_error(report)
    assert (finding.kind, finding.names) == ("non_leaf_grad", ("w",))
    assert finding.where == line_in(S.scaled_init, "w -= w.grad * 0.1")
    assert "DivBackward0" in finding.message and "not a leaf" in finding.message
    assert report.exception is not None and report.exception.kind == "non_leaf_grad"
    assert report.exception.type == "TypeError"


def test_none_grad_after_a_rebinding_under_no_grad_names_the_block_line() -> None:
    report = broken(S.rebound_under_no_grad)
    finding = only_error(report)
    assert (finding.kind, finding.names) == ("no_grad", ("w",))
    assert finding.where == line_of("w = w - 0.1 * w.grad")
    assert "'NoneType' object has no attribute 'zero_'" in finding.message


def test_numpy_loss_is_traced_to_the_numpy_call() -> None:
    report = broken(S.numpy_loss)
    finding = only_error(report)
    assert finding.kind == "numpy_roundtrip"
    assert finding.where == line_of("prediction = model(x).detach().numpy()")
    assert finding.names == ("model.weight", "model.bias")
    assert "numpy.float32" in finding.message


def test_item_loss_is_traced_to_item() -> None:
    finding = only_error(broken(S.item_loss))
    assert finding.kind == "rewrap" and ".item()" in finding.message
    assert finding.where == line_of("total += part if fixed else part.item()")


def test_a_crash_unrelated_to_autograd_is_still_refused() -> None:
    def program() -> dict[str, object]:
        x, _ = S.data()
        scale = None
        return {"loss": (x * scale).sum()}

    with pytest.raises(ValueError, match="not about gradients: TypeError"):
        gl.diagnose(program)


SCRIPT_NONE_GRAD = """\
import math
import torch

torch.manual_seed(0)
x, y = torch.randn(16, 4), torch.randn(16, 1)
w = torch.randn(4, 1, requires_grad=True) / math.sqrt(4)
for epoch in range(2):
    loss = ((x @ w - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
"""


def test_cli_names_the_none_grad_crash_instead_of_exit_3(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT_NONE_GRAD, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "gradlab", "check", str(script)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 1, done.stderr
    assert "non_leaf_grad at train.py:11" in done.stdout
    assert "DivBackward0" in done.stdout


# --- 2. losses under other names -------------------------------------------------------------
def test_a_non_scalar_output_given_to_backward_is_the_loss() -> None:
    report = diagnose_quietly(S.jacobian_vector_backward)
    assert report.losses == ("y",) and report.ok
    assert [(row.name, row.state) for row in report.grads] == [("x", "norm")]


def test_a_script_with_only_autograd_grad_is_analysed() -> None:
    report = diagnose_quietly(S.autograd_grad_only)
    assert report.ok and report.losses == ()


def test_an_error_before_any_loss_is_still_a_finding() -> None:
    report = broken(S.integer_embedding)
    assert report.losses == ()
    finding = only_error(report)
    assert finding.kind == "integer_dtype"
    assert finding.where == line_of("tokens.requires_grad_()")


# --- 3. swallowed errors ---------------------------------------------------------------------
def test_a_swallowed_in_place_error_names_where_it_was_raised_and_caught() -> None:
    report = broken(S.swallowed_in_place)
    assert report.exception is None
    (swallowed,) = [f for f in report.findings if "caught it" in f.message]
    assert swallowed.kind == "in_place" and swallowed.severity == "error"
    assert swallowed.where == line_in(S.swallowed_in_place, "loss.backward()")
    handler = line_in(S.swallowed_in_place, "except RuntimeError:")
    assert f"the except at {handler} caught it" in swallowed.message
    predicted = [f for f in report.findings if f is not swallowed]
    assert [(f.kind, f.where) for f in predicted] == [("in_place", line_of("            h += 1"))]


def test_a_swallowed_double_backward_is_reported() -> None:
    report = broken(S.swallowed_double_backward)
    finding = only_error(report)
    assert finding.kind == "double_backward"
    assert finding.where == line_of("(loss if fixed else second).backward()")
    handler = line_in(S.swallowed_double_backward, "except Exception as error:")
    assert f"the except at {handler} caught it" in finding.message


def test_a_swallowed_error_names_the_cut_behind_it_not_only_the_message() -> None:
    report = broken(S.swallowed_no_grad)
    finding = only_error(report)
    assert finding.kind == "no_grad" and finding.where == line_in(S._learn_from, "loss.backward()")
    assert f"no_grad (linear at {line_in(S._learn_from, 'F.mse_loss')})" in finding.message
    handler = line_in(S.swallowed_no_grad, "except RuntimeError as error:")
    assert f"the except at {handler} caught it" in finding.message


# --- 4. the right cause ----------------------------------------------------------------------
@pytest.mark.parametrize(("scenario", "froze"), [
    (lambda: S.frozen_model(False), "model.requires_grad_(False)"),
    (S.frozen_each_parameter_broken, "p.requires_grad = False"),
    (S.frozen_tensor_broken, "w.requires_grad_(False)"),
], ids=["model.requires_grad_(False)", "p.requires_grad = False", "w.requires_grad_(False)"])
def test_a_wholly_frozen_model_is_frozen_parameter_not_missing_requires_grad(
        scenario: Callable[[], Any], froze: str) -> None:
    report = diagnose_quietly(scenario)
    finding = only_error(report)
    assert finding.kind == "frozen_parameter"
    assert "missing_requires_grad" not in report.kinds()
    assert finding.where == line_of(froze)


def test_a_frozen_backbone_is_info() -> None:
    report = diagnose_quietly(lambda: S.frozen_model(True))
    assert [(f.kind, f.severity) for f in report.findings] == [("frozen_parameter", "info")]


def test_maml_fast_weights_under_no_grad_name_the_block() -> None:
    finding = only_error(broken(S.maml_fast_weights))
    assert finding.kind == "no_grad"
    assert finding.where == line_of("fast = [p - 0.1 * g for p, g in zip(")
    assert finding.names == ("model.weight", "model.bias")


def test_a_validation_loss_backpropagated_names_its_no_grad_block() -> None:
    report = broken(S.validation_loss_backpropagated)
    assert report.kinds("error") == ["no_grad", "no_grad"]
    block = line_in(S.validation_loss_backpropagated, "with torch.set_grad_enabled(fixed):")
    assert all(f"the block at {block}" in f.message for f in report.findings)


# --- 6. in-place blame -----------------------------------------------------------------------
def test_optimizer_step_between_two_backwards_blames_the_step_line() -> None:
    finding = only_error(broken(S.step_between_backwards))
    step = line_in(S.step_between_backwards, "        optimizer.step()")
    assert (finding.kind, finding.where) == ("in_place", step)
    assert "optimizer.step() (add_)" in finding.message


@pytest.mark.parametrize(("pattern", "op", "text"), [
    (S.residual_in_place, "add_", "out += x"),
    (S.relu_inplace, "relu", "F.relu(hidden, inplace=not fixed)"),
    (S.index_assignment, "__setitem__", "scores[:, 0] = 0"),
], ids=["residual +=", "relu(inplace=True)", "index assignment"])
def test_in_place_names_the_op_and_line(pattern: Callable[[bool], Any], op: str,
                                        text: str) -> None:
    finding = only_error(broken(pattern))
    assert (finding.kind, finding.where) == ("in_place", line_of(text))
    assert f"{op} at {line_of(text)}" in finding.message


# Issue 31's misses (patterns 6, 7, 8, 9, 11), each broken beside its fix.
def _histogram_term(soft: bool) -> dict[str, Any]:
    model = torch.nn.Linear(4, 4)
    x, y = torch.rand(8, 4), torch.rand(8, 4)
    pred = torch.sigmoid(model(x))
    hist = ((pred.reshape(-1, 1) - torch.linspace(0, 1, 8)) ** 2).mul(-50).exp().sum(0) if soft \
        else torch.histc(pred, bins=8, min=0.0, max=1.0)
    loss = torch.nn.functional.l1_loss(pred, y) + 0.05 * (hist / hist.sum()).std()
    loss.backward()
    return locals()


def test_a_histc_term_in_a_summed_loss_is_a_constant_term_naming_histc() -> None:
    found = [f for f in diagnose_quietly(lambda: _histogram_term(False)).problems
             if f.kind == "constant_loss_term"]
    assert found and "histc" in found[0].message
    assert diagnose_quietly(lambda: _histogram_term(True)).ok


def _freeze(attribute: str) -> dict[str, Any]:
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))
    for p in model[0].parameters():
        setattr(p, attribute, False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = model(torch.randn(5, 3)).pow(2).mean()
    loss.backward()
    return locals()


@pytest.mark.parametrize("typo", ["require_grad", "requires_grads", "grad_requires"])
def test_a_misspelled_requires_grad_is_named_with_what_still_trains(typo: str) -> None:
    (finding,) = [f for f in diagnose_quietly(lambda: _freeze(typo)).problems
                  if f.kind == "misspelled_attribute"]
    assert finding.severity == "warning" and f".{typo} = False" in finding.message
    assert "optimizer keeps changing them" in finding.message
    assert "misspelled_attribute" not in diagnose_quietly(lambda: _freeze("requires_grad")).kinds()


def _task_losses(placeholder: bool) -> dict[str, Any]:
    head = torch.nn.Linear(8, 3)
    out = head(torch.randn(4, 8))
    losses = {"loss_cls": torch.tensor(0.0) if placeholder else (out * 0).sum()}
    loss = sum(value for key, value in losses.items() if "loss" in key)
    with contextlib.suppress(RuntimeError):  # the script catches its own error
        loss.backward()  # type: ignore[union-attr]
    return locals()


def test_a_loss_made_only_of_a_fresh_placeholder_is_a_constant_not_missing_requires_grad(
        ) -> None:
    report = diagnose_quietly(lambda: _task_losses(True))
    assert report.kinds("error") == ["constant_loss_term"], str(report)
    assert "torch.tensor(...)" in report.problems[0].message
    assert diagnose_quietly(lambda: _task_losses(False)).ok


def _prune(rebuild: bool) -> dict[str, Any]:
    model = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.Linear(6, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model[0].weight = torch.nn.Parameter(model[0].weight.detach()[:4])
    model[0].bias = torch.nn.Parameter(model[0].bias.detach()[:4])
    model[1].weight = torch.nn.Parameter(model[1].weight.detach()[:, :4])
    if rebuild:
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = model(torch.randn(5, 3)).pow(2).mean()
    loss.backward()
    optimizer.step()
    return locals()


def test_parameters_replaced_after_the_optimizer_are_not_in_optimizer() -> None:
    (finding,) = diagnose_quietly(lambda: _prune(False)).problems
    assert (finding.kind, finding.severity) == ("not_in_optimizer", "warning")
    assert "replaced after the optimizer was built" in finding.message
    assert diagnose_quietly(lambda: _prune(True)).ok


def test_a_meta_loss_logged_under_no_grad_names_no_grad_when_backward_raises() -> None:
    path = ROOT / "tests/realworld/cases/maml-one-inner-step-query-loss-under-no-grad"
    out = subprocess.run([sys.executable, "-m", "gradlab", "check", str(path / "broken.py")],
                         capture_output=True, text=True, cwd=ROOT, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert "[error] no_grad" in out and "missing_requires_grad" not in out, out


class _ScaledRound(torch.autograd.Function):
    """round(x / scale) * scale, straight-through for x; the scale's gradient when asked."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, scale: torch.Tensor, scale_grad: bool) -> Any:
        ctx.save_for_backward(x, scale)
        ctx.scale_grad = scale_grad
        return torch.round(x / scale) * scale

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Any:
        x, scale = ctx.saved_tensors
        q = torch.round(x / scale)
        return grad, ((q - x / scale) * grad).sum() if ctx.scale_grad else None, None


def _fake_quant(scale_grad: bool, clear_after: bool = False) -> dict[str, Any]:
    weight = torch.nn.Parameter(torch.randn(4, 3))
    scale = torch.nn.Parameter(torch.tensor(0.1))
    optimizer = torch.optim.SGD([weight, scale], lr=0.1)
    loss = (torch.randn(5, 3) @ _ScaledRound.apply(weight, scale, scale_grad).T).pow(2).mean()
    loss.backward()
    optimizer.step()
    if clear_after:
        optimizer.zero_grad()  # every .grad is None now: the step is the evidence
    return locals()


def test_a_custom_function_that_drops_a_gradient_is_named() -> None:
    (finding,) = [f for f in diagnose_quietly(lambda: _fake_quant(False)).problems
                  if f.kind == "non_differentiable"]
    assert finding.names == ("scale",) and "_ScaledRound" in finding.message
    assert diagnose_quietly(lambda: _fake_quant(True)).ok
    cleared = diagnose_quietly(lambda: _fake_quant(False, clear_after=True))
    (finding,) = [f for f in cleared.problems if f.kind == "non_differentiable"]
    assert finding.names == ("scale",), cleared  # the step used the weight's gradient


# Issue 31, the converse of pattern 1: a loss term that a cut severed from every tensor the
# optimizers stepped after its backward hold. An encoder trains on a reconstruction term; a probe
# head reads its features through `.detach()`; one loss, two optimizers.
def _probe_step(step_head: bool = True, step: bool = True, detach: bool = True
                ) -> dict[str, Any]:
    enc, dec, head = torch.nn.Linear(6, 4), torch.nn.Linear(4, 6), torch.nn.Linear(4, 2)
    opt_ae = torch.optim.SGD([*enc.parameters(), *dec.parameters()], lr=0.1)
    opt_head = torch.optim.SGD(head.parameters(), lr=0.1)
    x, y = torch.randn(8, 6), torch.randint(0, 2, (8,))

    def train_step() -> None:  # the loss is gone when it returns, as in a GAN's step function
        feat = enc(x)
        probe = torch.nn.functional.cross_entropy(head(feat.detach() if detach else feat), y)
        loss = probe + torch.nn.functional.mse_loss(dec(feat), x)
        opt_ae.zero_grad()
        opt_head.zero_grad()
        loss.backward()
        if step:
            opt_ae.step()
        if step and step_head:
            opt_head.step()

    train_step()
    return {"enc": enc, "dec": dec, "head": head, "opt_ae": opt_ae, "opt_head": opt_head}


def test_a_term_cut_from_every_stepped_tensor_is_a_warning_naming_the_cut() -> None:
    report = diagnose_quietly(lambda: _probe_step(step_head=False))
    (finding,) = report.problems
    assert (finding.kind, finding.severity) == ("detach", "warning"), str(report)
    lines, start = inspect.getsourcelines(_probe_step)
    cut = next(i for i, text in enumerate(lines, start) if "feat.detach()" in text)
    assert finding.where == f"{Path(__file__).name}:{cut}"
    assert "head.weight" in finding.message and "opt_ae" in finding.fix
    assert set(finding.names) == {"enc.weight", "enc.bias"}


@pytest.mark.parametrize("variant", [
    {},  # both optimizers step: the probe term trains head, which opt_head holds
    {"step_head": False, "detach": False},  # the probe term reaches enc, which opt_ae steps
    {"step_head": False, "step": False},  # no optimizer step after the backward: not judged
], ids=["two-optimizers-stepped", "no-detach", "no-step"])
def test_a_term_that_reaches_a_stepped_tensor_or_no_step_is_quiet(variant: dict[str, bool]
                                                                  ) -> None:
    report = diagnose_quietly(lambda: _probe_step(**variant))
    assert not [f for f in report.findings if f.severity != "info"], str(report)


def test_a_generator_term_on_a_detached_fake_replaces_the_cuts_by_design_info() -> None:
    path = ROOT / "tests/realworld/cases/gan-generator-step-fake-detach/broken.py"
    out = subprocess.run([sys.executable, "-m", "gradlab", "check", str(path), "--json"],
                         capture_output=True, text=True, cwd=ROOT, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    at_cut = [(f["kind"], f["severity"]) for f in json.loads(out) if f["where"] == "broken.py:18"]
    assert at_cut == [("detach", "warning")], out


def test_a_loops_step_is_read_once_and_keeps_no_tensor() -> None:
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with gl.record() as rec:
        for _ in range(5):
            out = model(torch.randn(4, 3))
            loss = out.pow(2).mean() + (out.detach() - out).abs().mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    (read,) = rec.terms.values()
    assert [t.node for t in read.terms] == ["MeanBackward0", "MeanBackward0"]
    assert all(t.leaves == {id(p) for p in model.parameters()} for t in read.terms)
    assert not any(isinstance(v, torch.Tensor) for t in read.terms for v in vars(t).values())
