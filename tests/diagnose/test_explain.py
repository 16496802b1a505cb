"""gl.explain knows torch's autograd error catalogue: each message is provoked on the installed
torch (never pasted), and explained with the right kind."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.distributed as dist
from torch import nn
from torch.utils.checkpoint import checkpoint

import gradlab as gl
from gradlab.explanations import LESSONS


def provoke(run: Callable[[], Any]) -> str:
    """Run `run`; return the message of the error it raises or of the warning it issues."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        try:
            run()
        except (RuntimeError, ValueError) as exc:
            return str(exc)
    assert said, "neither an error nor a warning"
    return str(said[0].message)


def leaf() -> torch.Tensor:
    return torch.randn(3, requires_grad=True)


def version_counter() -> None:
    y = leaf().exp()
    y.add_(1)
    y.sum().backward()


def second_backward() -> None:
    y = leaf().exp().sum()
    y.backward()
    y.backward()


def view_of_leaf_in_place() -> None:
    w = leaf()
    w[:2].mul_(2)


def inference_tensor_saved() -> None:
    with torch.inference_mode():
        t = torch.ones(3)
    (leaf() * t).sum().backward()


def inference_tensor_in_place() -> None:
    with torch.inference_mode():
        t = torch.ones(3)
    t.add_(1)


def int_requires_grad_setter() -> None:
    t = torch.tensor([1, 2])
    t.requires_grad = True


def unused_in_grad() -> None:
    a, b = leaf(), leaf()
    torch.autograd.grad((a * 2).sum(), [a, b])


def view_under_no_grad_changed_later() -> None:
    a = leaf() * 1
    with torch.no_grad():
        v = a[:2]
    v.mul_(2)


class _ViewOut(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        return x.view(-1)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        return grad


def custom_function_view_in_place() -> None:
    y = _ViewOut.apply(leaf() * 1)
    y.mul_(2)


def multiple_views_in_place() -> None:
    first, _ = (torch.randn(2, 3, requires_grad=True) * 1).unbind(0)
    first.mul_(2)


CATALOGUE: list[tuple[str, Callable[[], Any], str, str]] = [
    ("version counter", version_counter, "modified by an inplace operation", "in_place"),
    ("backward twice", second_backward, "backward through the graph a second time",
     "double_backward"),
    ("non-scalar backward", lambda: (leaf() * 2).backward(),
     "grad can be implicitly created only for scalar outputs", "non_scalar_loss"),
    ("no grad_fn", lambda: torch.randn(3).sum().backward(),
     "element 0 of tensors does not require grad and does not have a grad_fn",
     "missing_requires_grad"),
    ("integer requires_grad_()", lambda: torch.tensor([1, 2]).requires_grad_(),
     "only Tensors of floating point dtype can require gradients", "integer_dtype"),
    ("integer requires_grad=True", lambda: torch.tensor([1, 2], requires_grad=True),
     "Only Tensors of floating point and complex dtype can require gradients", "integer_dtype"),
    ("integer requires_grad setter", int_requires_grad_setter,
     "only Tensors of floating point and complex dtype can require gradients", "integer_dtype"),
    ("leaf in place", lambda: leaf().add_(1),
     "a leaf Variable that requires grad is being used in an in-place operation", "in_place"),
    ("view of a leaf in place", view_of_leaf_in_place,
     "a view of a leaf Variable that requires grad is being used in an in-place operation",
     "in_place"),
    ("numpy of a tensor that requires grad", lambda: leaf().numpy(),
     "Can't call numpy() on Tensor that requires grad", "numpy_roundtrip"),
    ("non-leaf .grad warning", lambda: (leaf() * 2).grad,
     "is not a leaf Tensor is being accessed", "non_leaf_grad"),
    ("inference tensor saved", inference_tensor_saved,
     "Inference tensors cannot be saved for backward", "inference_mode"),
    ("inference tensor in place", inference_tensor_in_place,
     "Inplace update to inference tensor outside InferenceMode", "inference_mode"),
    ("unused in autograd.grad", unused_in_grad,
     "appears to not have been used in the graph", "unused_parameter"),
    ("autograd.grad of a tensor without requires_grad",
     lambda: torch.autograd.grad((leaf() * 2).sum(), [torch.randn(3)]),
     "One of the differentiated Tensors does not require grad", "missing_requires_grad"),
    ("hook on a tensor without requires_grad",
     lambda: torch.randn(3).register_hook(lambda g: g),
     "cannot register a hook on a tensor that doesn't require gradient",
     "missing_requires_grad"),
    ("view made under no_grad changed in place", view_under_no_grad_changed_later,
     "A view was created in no_grad mode and is being modified inplace", "in_place"),
    ("custom Function's view changed in place", custom_function_view_in_place,
     "This view was created inside a custom Function", "in_place"),
    ("one of several views changed in place", multiple_views_in_place,
     "function that returns multiple views", "in_place"),
    ("requires_grad of a non-leaf", lambda: (leaf() * 2).requires_grad_(False),
     "you can only change requires_grad flags of leaf variables", "non_leaf_grad"),
    ("optimizer of a non-leaf", lambda: torch.optim.SGD([leaf() * 2], lr=0.1),
     "can't optimize a non-leaf Tensor", "non_leaf_grad"),
]


@pytest.mark.parametrize(("provoker", "fragment", "kind"), [c[1:] for c in CATALOGUE],
                         ids=[c[0] for c in CATALOGUE])
def test_explain_knows_the_message(provoker: Callable[[], Any], fragment: str,
                                   kind: str) -> None:
    message = provoke(provoker)
    assert fragment in message, message
    explanation = gl.explain(message)
    assert explanation is not None, message
    assert explanation.kind == kind
    assert explanation.lesson in LESSONS.values()


def test_explain_knows_the_scalar_conversion_warning() -> None:
    """torch gives this warning once per process: it is provoked in a fresh one."""
    code = ("import warnings, torch\nwarnings.simplefilter('always')\n"
            "float(torch.ones(1, requires_grad=True))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "Converting a tensor with requires_grad=True to a scalar" in done.stderr
    explanation = gl.explain(done.stderr)
    assert explanation is not None and explanation.kind == "rewrap"


def test_explain_knows_the_empty_optimizer() -> None:
    with pytest.raises(ValueError, match="empty parameter list") as raised:
        torch.optim.SGD(nn.Module().parameters(), lr=0.1)
    explanation = gl.explain(raised.value)
    assert explanation is not None and explanation.kind == "not_in_optimizer"


class _TwoHeads(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(2, 2)
        self.unused = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.used(x)


def test_explain_knows_ddps_unused_parameter_error() -> None:
    """DistributedDataParallel (gloo, one process on CPU) stops on the second iteration when a
    parameter was not used in the first."""
    with tempfile.TemporaryDirectory() as folder:
        dist.init_process_group("gloo", init_method=f"file://{os.path.join(folder, 'store')}",
                                rank=0, world_size=1)
        try:
            model = nn.parallel.DistributedDataParallel(_TwoHeads())
            with pytest.raises(RuntimeError) as raised:
                for _ in range(2):
                    model(torch.randn(3, 2)).sum().backward()
        finally:
            dist.destroy_process_group()
    assert "Expected to have finished reduction in the prior iteration" in str(raised.value)
    explanation = gl.explain(raised.value)
    assert explanation is not None and explanation.kind == "unused_parameter"
    assert explanation.lesson == "09_training_loop"  # the lesson that teaches DDP


def test_explain_knows_the_checkpoint_warning_and_its_lesson() -> None:
    """A reentrant checkpoint whose inputs do not require grad warns; lesson 09 teaches it."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        checkpoint(nn.Linear(3, 1), torch.randn(2, 3), use_reentrant=True)
    (warning,) = [w.message for w in said if "None of the inputs" in str(w.message)]
    explanation = gl.explain(warning)
    assert explanation is not None and explanation.kind == "missing_requires_grad"
    assert explanation.lesson == "09_training_loop"
    assert "use_reentrant=False" in explanation.fix


@pytest.mark.parametrize(("message", "lesson"), [
    ("element 0 of tensors does not require grad and does not have a grad_fn",
     "02_missing_requires_grad"),
    ("optimizer got an empty parameter list", "02_missing_requires_grad"),
    ("Inference tensors cannot be saved for backward", "03_no_grad_block"),
    ("Can't call numpy() on Tensor that requires grad", "04_detach_and_numpy"),
    ("one of the variables needed for gradient computation has been modified by an inplace "
     "operation", "05_in_place"),
    ("Trying to backward through the graph a second time", "06_double_backward"),
    ("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed",
     "07_non_leaf_grad"),
])
def test_explain_points_each_message_at_the_lesson_that_teaches_it(message: str,
                                                                   lesson: str) -> None:
    explanation = gl.explain(message)
    assert explanation is not None and explanation.lesson == lesson


def test_a_message_the_course_does_not_teach_gives_none() -> None:
    with pytest.raises(RuntimeError) as raised:
        torch.randn(8, 3) @ torch.randn(4, 1)
    assert "cannot be multiplied" in str(raised.value)
    assert gl.explain(raised.value) is None
