"""What a recording holds: the fields of its events, and what gradlab shows of a warning."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import torch

import gradlab
from gradlab.recording import Recording, Warned


def test_a_warning_is_shown_without_the_place_in_torchs_build() -> None:
    message = ("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
               "(Triggered internally at /__w/pytorch/pytorch/aten/src/TensorBody.h:493.)\nmore")
    shown = str(Warned("UserWarning", message, "train.py", 6))
    assert shown == ("train.py:6: UserWarning: The .grad attribute of a Tensor that is not a "
                     "leaf Tensor is being accessed.")


def _run(code: Callable[[], object]) -> Recording:
    with gradlab.record() as rec:
        code()
    return rec


def test_a_failed_backward_and_its_error_are_flags_and_typed_fields() -> None:
    x = torch.ones(2)

    def failing() -> None:
        with contextlib.suppress(RuntimeError):
            (x * 2).sum().backward()

    rec = _run(failing)
    (call,) = rec.of_kind("backward")
    (error,) = rec.of_kind("torch_error")
    assert call.failed and not call.retain_graph
    assert (error.op, error.error) == ("backward", "RuntimeError")
    assert error.message.startswith("element 0 of tensors does not require grad")


def test_an_in_place_change_says_who_made_it_and_whether_torch_refused_it() -> None:
    w = torch.ones(2, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)

    def steps() -> None:
        (w * 2).sum().backward()
        opt.step()
        with contextlib.suppress(RuntimeError):
            w.add_(1)

    rec = _run(steps)
    stepped, refused = rec.of_kind("in_place")
    assert (stepped.origin, stepped.refused) == ("optimizer.step", False)
    assert (refused.origin, refused.refused, refused.op) == (None, True, "add_")
    assert rec.of_kind("torch_error")[0].op == "add_"


def test_requires_grad_changes_carry_the_value_set() -> None:
    w = torch.ones(2, requires_grad=True)
    rec = _run(lambda: (w.requires_grad_(False), w.requires_grad_(True)))
    assert [e.set_to for e in rec.of_kind("requires_grad")] == [False, True]


def test_a_stale_use_points_at_the_change_it_missed() -> None:
    w = torch.ones(2, requires_grad=True)

    def stale() -> None:
        loss = (w * w).sum()
        w.data.mul_(2)
        loss.backward()

    rec = _run(stale)
    (change,) = rec.of_kind("behind_autograd")
    (use,) = rec.of_kind("stale_use")
    assert change.kept_graph is None and rec.events[min(change.cuts)].cause == "data_attribute"
    assert (use.change, use.after_change, use.used_by, use.op) == (
        change.index, False, "MulBackward0", "backward")
