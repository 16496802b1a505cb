"""Patterns where gradlab's judgement used to be wrong, each a broken script and its fix through
`python -m gradlab check --json`: errors raised in torch's Python code and caught, a loss that
became a number and was caught, re-wraps by `as_tensor` + `requires_grad = True` and by
`torch.Tensor([a, b])`, freezing everything, optimizers that miss what trains, a term multiplied
by 0 on purpose, a peephole weight kept as a plain tensor."""

from __future__ import annotations

import json
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gradlab.__main__ import main


@pytest.fixture(autouse=True)
def python_warning_filters() -> Iterator[None]:
    """The scripts see Python's default filters (not pytest's `error`), as under `python`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def check(tmp_path: Path, capsys: pytest.CaptureFixture[str],
          source: str) -> tuple[int, list[dict[str, Any]]]:
    """Exit code and flagged (error or warning) findings of `gradlab check --json`."""
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    code = main(["check", str(script), "--json"])
    out = capsys.readouterr().out
    findings = json.loads(out) if out.strip() else []
    return code, [f for f in findings if f["severity"] in ("error", "warning")]


def kinds(findings: list[dict[str, Any]]) -> list[str]:
    return sorted({f["kind"] for f in findings})


NON_LEAF_OPTIMIZER = """\
import torch
image = torch.randn(4, 3, requires_grad=True) * 0.01
try:
    optimizer = torch.optim.SGD([image], lr=0.1)
except ValueError as error:
    print("skipped:", error)
    optimizer = None
"""


def test_optimizer_refusing_a_non_leaf_is_seen_when_caught(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """torch.optim raises in Python code, where no torch call sees it: its is_leaf read does."""
    code, found = check(tmp_path, capsys, NON_LEAF_OPTIMIZER)
    assert code == 1 and kinds(found) == ["non_leaf_grad"]
    assert found[0]["where"] == "train.py:4" and "except at train.py:5" in found[0]["message"]
    fixed = NON_LEAF_OPTIMIZER.replace("torch.randn(4, 3, requires_grad=True) * 0.01",
                                       "(torch.randn(4, 3) * 0.01).requires_grad_()")
    assert check(tmp_path, capsys, fixed) == (0, [])


NUMPY_LOSS = """\
import numpy as np
import torch
model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
pred = model(torch.randn(4, 3))
loss = np.mean(pred.detach().numpy() ** 2)
try:
    loss.backward()
except AttributeError as error:
    print("caught:", error)
optimizer.step()
"""


def test_backward_on_a_numpy_loss_caught_names_the_numpy_call(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(tmp_path, capsys, NUMPY_LOSS)
    assert code == 1 and kinds(found) == ["numpy_roundtrip"]
    assert found[0]["where"] == "train.py:6" and "loss is a numpy.float32" in found[0]["message"]
    fixed = NUMPY_LOSS.replace("np.mean(pred.detach().numpy() ** 2)", "(pred ** 2).mean()")
    assert check(tmp_path, capsys, fixed) == (0, [])


def test_backward_on_an_item_loss_caught_names_the_item_call(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = NUMPY_LOSS.replace("np.mean(pred.detach().numpy() ** 2)", "(pred ** 2).mean().item()")
    code, found = check(tmp_path, capsys, source)
    assert code == 1 and kinds(found) == ["rewrap"] and found[0]["where"] == "train.py:6"
    assert "loss is a float" in found[0]["message"]


AS_TENSOR = """\
import torch
a = torch.tensor([1.0], requires_grad=True)
b = torch.tensor([2.0], requires_grad=True)
ab = torch.as_tensor((a, b))
ab.requires_grad = True
ab.sum().backward()
"""


def test_as_tensor_made_a_leaf_by_setting_requires_grad_is_a_rewrap(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(tmp_path, capsys, AS_TENSOR)
    assert code == 1 and kinds(found) == ["rewrap"]
    assert found[0]["where"] == "train.py:4" and found[0]["names"] == ["a", "b"]
    fixed = AS_TENSOR.replace("torch.as_tensor((a, b))\nab.requires_grad = True",
                              "torch.stack((a, b))")
    assert check(tmp_path, capsys, fixed) == (0, [])


TENSOR_CONSTRUCTOR = """\
import torch
a = torch.nn.Parameter(torch.tensor([1.0]))
b = torch.nn.Parameter(torch.tensor([2.0]))
optimizer = torch.optim.SGD([a, b], lr=0.1)
coeffs = torch.Tensor([a, b])
loss = (coeffs * torch.tensor([3.0, 4.0])).sum()
try:
    loss.backward()
except RuntimeError as error:
    print("caught:", error)
"""


def test_tensor_constructor_calls_float_on_each_parameter(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(tmp_path, capsys, TENSOR_CONSTRUCTOR)
    assert code == 1 and kinds(found) == ["rewrap"]
    assert found[0]["where"] == "train.py:5" and found[0]["names"] == ["a", "b"]
    fixed = TENSOR_CONSTRUCTOR.replace("torch.Tensor([a, b])", "torch.cat([a, b])")
    assert check(tmp_path, capsys, fixed) == (0, [])


def test_float_of_a_loss_for_logging_is_no_alarm(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = """\
    import torch
    model = torch.nn.Linear(3, 1)
    loss = model(torch.randn(4, 3)).pow(2).mean()
    loss.backward()
    print(f"loss {float(loss):.3f}")
    """
    assert check(tmp_path, capsys, source) == (0, [])


FREEZE_ALL = """\
import torch
from torch import nn
model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
for param in model.parameters():
    param.requires_grad = False
optimizer = torch.optim.Adam(filter(lambda p: p.requires_grad, model.parameters()))
"""


def test_empty_optimizer_after_freezing_everything_is_frozen_parameter(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(tmp_path, capsys, FREEZE_ALL)
    assert code == 1 and kinds(found) == ["frozen_parameter"]
    assert found[0]["where"] == "train.py:5"


OPTIMIZER_OF_ANOTHER_MODEL = """\
import torch
from torch import nn
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
model = nn.Linear(3, 1)  # created again: the optimizer holds the first one
loss = model(torch.randn(4, 3)).pow(2).mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
"""


def test_optimizer_holding_another_copy_of_the_model_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(tmp_path, capsys, OPTIMIZER_OF_ANOTHER_MODEL)
    assert code == 1 and kinds(found) == ["not_in_optimizer"]
    assert found[0]["severity"] == "error" and "optimizer updates none" in found[0]["message"]
    fixed = OPTIMIZER_OF_ANOTHER_MODEL.replace(
        "model = nn.Linear(3, 1)  # created again: the optimizer holds the first one\n", "")
    assert check(tmp_path, capsys, fixed) == (0, [])


UNFREEZE_AFTER_OPTIMIZER = """\
import torch
from torch import nn
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
body = model[:2]
body.requires_grad_(False)
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
body.requires_grad_(True)
loss = model(torch.randn(8, 3)).pow(2).mean()
loss.backward()
optimizer.step()
"""


def test_unfreezing_after_a_filtered_optimizer_names_the_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`body = model[:2]` is a view of the model, not a second model trained elsewhere."""
    code, found = check(tmp_path, capsys, UNFREEZE_AFTER_OPTIMIZER)
    assert code == 1 and kinds(found) == ["not_in_optimizer"]
    assert "unfrozen at train.py:7" in found[0]["message"]
    fixed = UNFREEZE_AFTER_OPTIMIZER.replace(
        "filter(lambda p: p.requires_grad, model.parameters())", "model.parameters()")
    assert check(tmp_path, capsys, fixed) == (0, [])


def test_layer_created_after_the_optimizer_is_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = """\
    import torch
    from torch import nn
    model = nn.Sequential(nn.Linear(3, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.append(nn.Linear(4, 1))
    loss = model(torch.randn(8, 3)).pow(2).mean()
    loss.backward()
    """
    code, found = check(tmp_path, capsys, source)
    assert code == 1 and kinds(found) == ["not_in_optimizer"]
    assert found[0]["severity"] == "warning" and "created at train.py:5" in found[0]["message"]


def test_a_part_left_out_of_the_optimizer_by_hand_is_no_alarm(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A generator's step: the discriminator gets gradients its own optimizer would use."""
    source = """\
    import torch
    from torch import nn
    model = nn.ModuleDict({"generator": nn.Linear(3, 4), "discriminator": nn.Linear(4, 1)})
    g_optim = torch.optim.Adam(model["generator"].parameters())
    loss = model["discriminator"](model["generator"](torch.randn(8, 3))).mean()
    loss.backward()
    g_optim.step()
    """
    assert check(tmp_path, capsys, source) == (0, [])


TIMES_ZERO = """\
import torch
from torch import nn
vision = nn.Linear(6, 4)
embeds = torch.randn(2, 5, 4, requires_grad=True)
image = vision(torch.randn(1, 6))
embeds = embeds + image.mean() * 0.0
loss = embeds.pow(2).mean()
loss.backward()
"""


def test_a_term_multiplied_by_zero_on_purpose_is_no_alarm(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not a rebinding (the added term has history) and not a dead layer (0 is a constant)."""
    assert check(tmp_path, capsys, TIMES_ZERO) == (0, [])
    rebound = """\
    import torch
    w = torch.randn(3, requires_grad=True)
    loss = (w * 2).sum()
    loss.backward()
    w = w - 0.1 * w.grad
    """
    code, found = check(tmp_path, capsys, rebound)  # an update that rebinds: still an error
    assert code == 1 and kinds(found) == ["rebound_parameter"]


def test_a_weight_zeroed_by_a_relu_still_warns(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = """\
    import torch
    from torch import nn
    layer = nn.Linear(3, 4)
    with torch.no_grad():
        layer.bias.fill_(-100.0)
    loss = torch.relu(layer(torch.randn(8, 3))).sum() * 1.0
    loss.backward()
    """
    code, found = check(tmp_path, capsys, source)
    assert code == 1 and kinds(found) == ["zero_gradient"]


PEEPHOLE = """\
import torch
from torch import nn
from torch.autograd import Variable


class Cell(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Linear(3, 3)
        self.Wci = Variable(torch.zeros(1, 3))

    def forward(self, x, c):
        return torch.sigmoid(self.conv(x) + c * self.Wci)


cell = Cell()
loss = cell(torch.randn(2, 3), torch.ones(2, 3)).sum()
loss.backward()
"""


def test_peephole_weight_kept_as_a_variable_is_a_plain_tensor_attribute(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(tmp_path, capsys, PEEPHOLE)
    assert code == 1 and kinds(found) == ["plain_tensor_attribute"]
    assert found[0]["names"] == ["Wci"]
    fixed = PEEPHOLE.replace("Variable(torch.zeros(1, 3))", "nn.Parameter(torch.zeros(1, 3))")
    assert check(tmp_path, capsys, fixed) == (0, [])
    mask = PEEPHOLE.replace("self.Wci = Variable(torch.zeros(1, 3))",
                            "self.mask = Variable(torch.zeros(1, 3))").replace("self.Wci",
                                                                                "self.mask")
    assert check(tmp_path, capsys, mask) == (0, [])  # a constant's name: no weight


def test_zero_grad_keeping_the_tensors_is_not_a_freeze(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """zero_grad(set_to_none=False) calls requires_grad_(False) on each .grad: not the user's."""
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""\
    import torch
    model = torch.nn.Linear(3, 1)
    for _ in range(2):
        model.zero_grad(set_to_none=False)
        loss = model(torch.randn(4, 3)).pow(2).mean()
        loss.backward()
    """), encoding="utf-8")
    assert main(["check", str(script), "--json"]) == 0
    assert "frozen_parameter" not in capsys.readouterr().out


def test_unfreezing_a_separate_body_after_the_optimizer_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The body has no parameter in any optimizer, yet it is not a model trained elsewhere:
    the user unfroze it after building the optimizer from the head."""
    source = """\
    import torch
    from torch import nn
    body, head = nn.Linear(3, 4), nn.Linear(4, 1)
    body.requires_grad_(False)
    optimizer = torch.optim.SGD([p for p in [*body.parameters(), *head.parameters()]
                                 if p.requires_grad], lr=0.1)
    body.requires_grad_(True)
    loss = head(body(torch.randn(8, 3))).pow(2).mean()
    loss.backward()
    optimizer.step()
    """
    code, found = check(tmp_path, capsys, source)
    assert code == 1 and kinds(found) == ["not_in_optimizer"]
    assert "unfrozen at train.py:7" in found[0]["message"]
