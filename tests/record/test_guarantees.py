"""gradlab never changes what it watches: same gradients, same errors, same warnings, and no
tensor kept alive once a recording is dropped."""

from __future__ import annotations

import gc
import subprocess
import sys
import warnings
import weakref
from pathlib import Path
from typing import Any

import pytest
import scenarios as S
import torch

import gradlab as gl


def outcome(scenario: S.Scenario) -> tuple[dict[str, torch.Tensor | None], str, list[str]]:
    """Run a scenario; return every gradient it left, what it raised and what it warned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            scope = scenario()
            error = ""
        except RuntimeError as exc:
            scope = deepest_scenario_locals(exc)
            error = f"{type(exc).__name__}: {exc}"
    grads: dict[str, torch.Tensor | None] = {}
    for name, value in scope.items():
        if isinstance(value, torch.nn.Module):
            grads.update({f"{name}.{p}": t.grad for p, t in value.named_parameters()})
        elif isinstance(value, torch.Tensor) and value.is_leaf and value.requires_grad:
            grads[name] = value.grad
    said = [f"{w.category.__name__}: {w.message} @ {w.filename}:{w.lineno}" for w in caught]
    return grads, error, said


def same(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Equal values, NaN in the same places (NaN != NaN for torch.equal)."""
    return torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(0), b.nan_to_num(0))


def deepest_scenario_locals(exc: BaseException) -> dict[str, Any]:
    tb, found = exc.__traceback__, {}
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == S.__file__:
            found = dict(tb.tb_frame.f_locals)
        tb = tb.tb_next
    return found


# torch gives this warning once per process, so it is compared in fresh processes below
WARNS_ONCE = {S.rewrap_broken}


@pytest.mark.parametrize("scenario", S.ALL, ids=lambda f: f.__name__)
def test_same_gradients_errors_and_warnings_with_and_without_recording(
        scenario: S.Scenario) -> None:
    plain_grads, plain_error, plain_warnings = outcome(scenario)
    with gl.record():
        recorded_grads, recorded_error, recorded_warnings = outcome(scenario)
    assert recorded_error == plain_error
    if scenario not in WARNS_ONCE:
        assert recorded_warnings == plain_warnings
    assert plain_grads.keys() == recorded_grads.keys()
    for name, grad in plain_grads.items():
        other = recorded_grads[name]
        assert (grad is None) == (other is None), name
        if grad is not None and other is not None:
            assert same(grad, other), name


WARNINGS_IN_A_FRESH_PROCESS = """
import sys, gradlab as gl, scenarios as S
from record import test_guarantees as T
if sys.argv[1] == "recorded":
    with gl.record():
        print(T.outcome(S.{name})[2])
else:
    print(T.outcome(S.{name})[2])
"""


@pytest.mark.parametrize("scenario", sorted(WARNS_ONCE, key=lambda f: f.__name__),
                         ids=lambda f: f.__name__)
def test_warn_once_warnings_are_the_same_with_and_without_recording(
        scenario: S.Scenario) -> None:
    code = WARNINGS_IN_A_FRESH_PROCESS.format(name=scenario.__name__)
    said = [subprocess.run([sys.executable, "-c", code, variant], capture_output=True,
                           text=True, check=True, cwd=Path(__file__).parents[1]).stdout
            for variant in ("plain", "recorded")]
    assert "Converting a tensor" in said[0]
    assert said[0] == said[1]


def test_the_comparison_has_gradients_errors_and_warnings_to_compare() -> None:
    outcomes = [outcome(s) for s in S.ALL]
    assert sum(any(g is not None for g in grads.values()) for grads, _, _ in outcomes) >= 30
    assert sum(bool(error) for _, error, _ in outcomes) >= 4
    assert sum(bool(said) for _, _, said in outcomes) >= 2


def test_recording_does_not_keep_tensors_alive() -> None:
    with gl.record() as rec:
        x = torch.randn(4, 3)
        model = torch.nn.Linear(3, 2)
        h = model(x).detach()
        out = (h * 2).sum()
    refs = [weakref.ref(t) for t in (x, h, out, model.weight)]
    assert rec.events  # the recording saw the detach
    del x, h, out, model
    gc.collect()
    assert [r() for r in refs] == [None] * 4


def test_diagnose_does_not_keep_the_scenario_alive() -> None:
    report = gl.diagnose(S.no_grad_broken)
    assert report.findings
    gc.collect()
    alive = [o for o in gc.get_objects() if type(o) is S.TwoLayer]
    assert alive == []


def test_grad_mode_is_restored_and_no_saved_tensor_hooks_are_installed() -> None:
    seen: list[bool] = []
    with gl.record():
        seen.append(torch.is_grad_enabled())
        w = torch.randn(3, requires_grad=True)
        y = w.exp()
        y[0] = 0  # with a saved-tensor hook active, torch would skip the version check
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    assert seen == [True] and torch.is_grad_enabled()
