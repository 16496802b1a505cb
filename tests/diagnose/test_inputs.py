"""Bad input gets a clear error; explain() covers torch's autograd messages."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch

import gradlab as gl


def test_non_tensor_target() -> None:
    with pytest.raises(TypeError, match="loss tensor or a zero-argument function"):
        gl.diagnose(3.0)  # type: ignore[arg-type]


def test_loss_without_grad_fn_and_no_recording() -> None:
    with pytest.raises(ValueError, match=r"no grad_fn.*gl.record"):
        gl.diagnose(torch.ones(()))


def test_non_scalar_loss() -> None:
    w = torch.randn(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"must be a scalar; got shape \[3\].*\.sum\(\)"):
        gl.diagnose(w * 2)


def test_wrong_model_and_optimizer_types() -> None:
    loss = (torch.randn(3, requires_grad=True) * 2).sum()
    with pytest.raises(TypeError, match=r"model= takes an nn.Module.*str"):
        gl.diagnose(loss, model="net")
    with pytest.raises(TypeError, match=r"optimizer= takes a torch.optim.Optimizer.*'b' is a int"):
        gl.diagnose(loss, optimizer={"a": torch.optim.SGD([torch.zeros(1, requires_grad=True)],
                                                          lr=1), "b": 3})


def test_nested_and_reused_recordings() -> None:
    recorder = gl.record()
    with recorder, pytest.raises(ValueError, match="already recording"), gl.record():
        pass
    with pytest.raises(ValueError, match="already used"), recorder:
        pass


def test_recording_still_active() -> None:
    with gl.record() as rec:
        loss = (torch.randn(3, requires_grad=True) * 2).sum()
        with pytest.raises(ValueError, match=r"after its `with gl.record\(\)` block"):
            gl.diagnose(loss, recording=rec)


def test_callable_with_unrelated_error() -> None:
    def broken() -> dict[str, Any]:
        return {"x": 1 / 0}

    with pytest.raises(ValueError, match="not about gradients: ZeroDivisionError"):
        gl.diagnose(broken)


def test_callable_returning_nothing() -> None:
    with pytest.raises(TypeError, match="must return locals"):
        gl.diagnose(lambda: None)


def test_no_loss_in_scope() -> None:
    with pytest.raises(ValueError, match=r"no loss found.*loss='name'"):
        gl.diagnose(lambda: {"x": torch.randn(3)})


def test_loss_by_name() -> None:
    def run() -> dict[str, Any]:
        w = torch.randn(3, requires_grad=True)
        objective = (w * 2).sum()
        return locals()

    assert gl.diagnose(run, loss="objective").losses == ("objective",)
    with pytest.raises(ValueError, match="no tensor named 'cost'"):
        gl.diagnose(run, loss="cost")


def test_recorded_loss_tensor() -> None:
    w = torch.randn(3, requires_grad=True)
    with gl.record() as rec:
        with torch.no_grad():
            h = w * 2
        loss = (h + 1).sum()
    report = gl.diagnose(loss, recording=rec)
    assert [(f.kind, f.names) for f in report.findings] == [("no_grad", ("tensor (3,)",))]


def torch_messages() -> dict[str, str]:
    """Trigger each autograd error and warning on the installed torch; return kind -> text."""
    found: dict[str, str] = {}

    def catch(kind: str, run: Any) -> None:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            try:
                run()
            except (RuntimeError, ValueError) as exc:
                found[kind] = str(exc)
        for w in said:
            found.setdefault(kind, str(w.message))

    x = torch.randn(3, requires_grad=True)
    catch("missing_requires_grad", lambda: torch.randn(3).sum().backward())

    def twice() -> None:
        y = (x * x).sum()
        y.backward()
        y.backward()
    catch("double_backward", twice)

    def in_place() -> None:
        y = x.exp()
        y.add_(1)
        y.sum().backward()
    catch("in_place", in_place)
    catch("in_place_leaf", lambda: torch.randn(2, requires_grad=True).add_(1))
    catch("numpy_roundtrip", lambda: x.numpy())

    def inference() -> None:
        with torch.inference_mode():
            t = torch.ones(3)
        (x * t).sum().backward()
    catch("inference_mode", inference)
    catch("integer_dtype", lambda: torch.tensor([1, 2], requires_grad=True))
    catch("integer_dtype_requires_grad_", lambda: torch.arange(3).requires_grad_())
    catch("non_leaf_grad", lambda: (x * 2).grad)
    catch("non_leaf_requires_grad", lambda: (x * 2).requires_grad_(False))
    return found


EXPECTED_KIND = {"in_place_leaf": "in_place", "non_leaf_requires_grad": "non_leaf_grad",
                 "integer_dtype_requires_grad_": "integer_dtype"}


def test_explain_covers_every_autograd_message_of_this_torch() -> None:
    messages = torch_messages()
    assert len(messages) == 10
    for kind, text in messages.items():
        explanation = gl.explain(text)
        assert explanation is not None, text
        assert explanation.kind == EXPECTED_KIND.get(kind, kind), text
        assert explanation.lesson.startswith("0")


def test_explain_returns_none_for_other_errors_and_rejects_other_input() -> None:
    assert gl.explain(ZeroDivisionError("division by zero")) is None
    with pytest.raises(TypeError, match="exception, a warning or its text"):
        gl.explain(42)  # type: ignore[arg-type]


def test_error_of_states_what_a_snippet_raised() -> None:
    assert gl.error_of(lambda: None) == ""
    assert gl.error_of(lambda: torch.mm(torch.ones(2), torch.ones(2))) == (
        "RuntimeError: self must be a matrix")
