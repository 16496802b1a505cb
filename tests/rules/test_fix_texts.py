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


class TwoConvs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 2, 3), nn.Conv2d(2, 1, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1(x))


def pruned_weight_grad_read() -> dict[str, Any]:
    import torch.nn.utils.prune as prune

    model = TwoConvs()
    prune.random_unstructured(model.conv1, name="weight", amount=0.3)
    loss = model(torch.ones(1, 1, 8, 8)).abs().mean()
    loss.backward()
    print(model.conv1.weight.grad)
    return locals()


def test_a_pruned_weights_grad_read_is_told_to_read_weight_orig() -> None:
    finding = only(diagnose_quietly(pruned_weight_grad_read), "non_leaf_grad")
    assert "torch.nn.utils.prune" in finding.message and "conv1.weight_orig" in finding.message
    assert finding.fix.startswith("read conv1.weight_orig.grad")
    assert "retain_grad" not in finding.fix
    assert "prune.remove(conv1, 'weight')" in finding.fix


class FrozenEmbeddings(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.words, self.positions = nn.Embedding(10, 4), nn.Embedding(6, 4)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        embeddings = self.words(ids)
        embeddings += self.positions(torch.arange(ids.shape[1]))
        return embeddings


def in_place_on_an_activation_made_to_require_grad() -> dict[str, Any]:
    embed = FrozenEmbeddings().requires_grad_(False)
    head = nn.Linear(4, 1)
    embed.words.register_forward_hook(lambda module, inputs, output: output.requires_grad_(True))
    try:
        loss = head(embed(torch.randint(0, 10, (2, 6)))).mean()
        loss.backward()
    except RuntimeError as error:
        print(error)
    return locals()


def test_an_in_place_op_on_an_activation_is_not_told_to_update_weights_under_no_grad() -> None:
    report = diagnose_quietly(in_place_on_an_activation_made_to_require_grad)
    findings = [f for f in report.findings if f.kind == "in_place"]
    assert findings and all("no_grad" not in f.fix and "clone()" in f.fix for f in findings)
    assert any("made to require grad at" in f.message and "not a weight" in f.message
               for f in findings)


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.ff = nn.Linear(4, 4)
        self.adapters = nn.ModuleDict()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h = self.ff(h)
        for adapter in self.adapters.values():
            h = h + adapter(h)
        return h


def adapter_added_after_the_optimizer() -> dict[str, Any]:
    model = Block()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.adapters["task"] = nn.Linear(4, 4)
    model.ff.requires_grad_(False)
    loss = model(torch.randn(8, 4)).pow(2).mean()
    loss.backward()
    optimizer.step()
    return locals()


def test_an_adapter_created_after_the_optimizer_is_not_blamed_on_another_model() -> None:
    finding = only(diagnose_quietly(adapter_added_after_the_optimizer), "not_in_optimizer")
    assert "another model" not in finding.message
    assert "created after the optimizer was built" in finding.message
    assert "holds only parameters that are frozen now (ff.bias, ff.weight" in finding.message
    assert "add_param_group" in finding.fix and "requires_grad" in finding.fix


def in_place_on_a_weight() -> dict[str, Any]:
    w = torch.randn(3, 1, requires_grad=True)
    try:
        w += 1.0
    except RuntimeError as error:
        print(error)
    loss = (x @ w).pow(2).mean()
    loss.backward()
    return locals()


def test_an_in_place_op_on_a_weight_is_still_told_to_use_no_grad() -> None:
    findings = [f for f in diagnose_quietly(in_place_on_a_weight).findings
                if f.kind == "in_place"]
    assert findings and all("under torch.no_grad()" in f.fix for f in findings)
    assert all("not a weight" not in f.message for f in findings)
