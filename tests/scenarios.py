"""Small programs for the tests: a broken and a fixed one per finding kind, and a corpus of
correct programs on which gradlab must stay quiet. Each builds everything it uses from a fixed
seed and returns locals(), as a notebook scenario does."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

Scenario = Any


def data(n: int = 8, d: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    return torch.randn(n, d), torch.randn(n, 1)


class TwoLayer(nn.Module):
    def __init__(self, cut: str = "") -> None:
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 1)
        self.cut = cut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc1(x))
        if self.cut == "no_grad":
            with torch.no_grad():
                h = h * 2
        elif self.cut == "detach":
            h = h.detach()
        elif self.cut == "data":
            h = h.data
        elif self.cut == "numpy":
            h = torch.from_numpy(np.tanh(h.detach().numpy()))
        elif self.cut == "numpy_fixed":
            h = torch.tanh(h)
        elif self.cut == "long":
            h = h.long().float()
        return self.fc2(h)


def train_step(cut: str) -> dict[str, Any]:
    x, y = data()
    model = TwoLayer(cut)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


# --- broken / fixed per kind -----------------------------------------------------------------
def missing_requires_grad_broken() -> dict[str, Any]:
    x, y = data()
    w = torch.randn(3, 1)
    b = torch.zeros(1, requires_grad=True)
    loss = F.mse_loss(x @ w + b, y)
    loss.backward()
    return locals()


def missing_requires_grad_fixed() -> dict[str, Any]:
    x, y = data()
    w = torch.randn(3, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    loss = F.mse_loss(x @ w + b, y)
    loss.backward()
    return locals()


def nothing_requires_grad_broken() -> dict[str, Any]:
    x, y = data()
    w = torch.randn(3, 1)
    loss = F.mse_loss(x @ w, y)
    loss.backward()
    return locals()


class PlainWeights(nn.Module):
    def __init__(self, as_parameter: bool) -> None:
        super().__init__()
        w = torch.randn(3, 1)
        self.w = nn.Parameter(w) if as_parameter else w
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.w + self.b


def plain_tensor_attribute_broken() -> dict[str, Any]:
    x, y = data()
    model = PlainWeights(as_parameter=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def plain_tensor_attribute_fixed() -> dict[str, Any]:
    x, y = data()
    model = PlainWeights(as_parameter=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def no_grad_broken() -> dict[str, Any]:
    return train_step("no_grad")


def clean_fixed() -> dict[str, Any]:
    return train_step("")


def detach_broken() -> dict[str, Any]:
    return train_step("detach")


def data_attribute_broken() -> dict[str, Any]:
    return train_step("data")


def numpy_roundtrip_broken() -> dict[str, Any]:
    return train_step("numpy")


def numpy_roundtrip_fixed() -> dict[str, Any]:
    return train_step("numpy_fixed")


def integer_dtype_broken() -> dict[str, Any]:
    return train_step("long")


def inference_mode_broken() -> dict[str, Any]:
    x, y = data()
    backbone, head = nn.Linear(3, 4), nn.Linear(4, 1)
    optimizer = torch.optim.SGD([*backbone.parameters(), *head.parameters()], lr=0.1)
    with torch.inference_mode():
        features = backbone(x)
    loss = F.mse_loss(head(features), y)
    loss.backward()
    return locals()


def inference_mode_fixed() -> dict[str, Any]:
    x, y = data()
    backbone, head = nn.Linear(3, 4), nn.Linear(4, 1)
    optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
    with torch.no_grad():
        features = backbone(x)
    loss = F.mse_loss(head(features), y)
    loss.backward()
    return locals()


def rewrap_broken() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 1)
    scores = [model(row).sum() for row in x]
    predictions = torch.tensor(scores)
    loss = F.mse_loss(predictions, y.squeeze(1))
    loss.backward()
    return locals()


def rewrap_fixed() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 1)
    scores = [model(row).sum() for row in x]
    predictions = torch.stack(scores)
    loss = F.mse_loss(predictions, y.squeeze(1))
    loss.backward()
    return locals()


def in_place_broken() -> dict[str, Any]:
    x, y = data()
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.ReLU(inplace=True), nn.Linear(4, 1))
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def in_place_fixed() -> dict[str, Any]:
    x, y = data()
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.ReLU(), nn.Linear(4, 1))
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def in_place_predicted_broken() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    y = w.exp()
    y[0] = 0
    loss = y.sum()
    return locals()


def in_place_predicted_fixed() -> dict[str, Any]:
    w = torch.randn(3, requires_grad=True)
    y = w.exp()
    y = torch.cat([torch.zeros(1), y[1:]])
    loss = y.sum()
    return locals()


def double_backward_broken() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    loss_a = F.mse_loss(h, y)
    loss_b = h.pow(2).mean()
    loss_a.backward()
    loss_b.backward()
    return locals()


def double_backward_fixed() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    loss_a = F.mse_loss(h, y)
    loss_b = h.pow(2).mean()
    (loss_a + loss_b).backward()
    return locals()


def double_backward_predicted_broken() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 1)
    h = torch.tanh(model(x))
    first = F.mse_loss(h, y)
    first.backward()
    loss = h.pow(2).mean()
    return locals()


def broadcast_loss_broken() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    x, y = data()
    loss = F.mse_loss(model(x), y.squeeze(1))  # (8, 1) against (8,): broadcasts to (8, 8)
    loss.backward()
    return locals()


def broadcast_loss_fixed() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    x, y = data()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def non_leaf_grad_broken() -> dict[str, Any]:
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True).double()
    loss = (w * 2).sum()
    loss.backward()
    grad = w.grad
    return locals()


def non_leaf_grad_fixed() -> dict[str, Any]:
    torch.manual_seed(0)
    w = torch.randn(3, dtype=torch.float64, requires_grad=True)
    loss = (w * 2).sum()
    loss.backward()
    grad = w.grad
    return locals()


def non_leaf_output_grad_broken() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 1)
    out = model(x)
    loss = F.mse_loss(out, y)
    loss.backward()
    grad = out.grad
    return locals()


def non_leaf_output_grad_fixed() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 1)
    out = model(x)
    out.retain_grad()
    loss = F.mse_loss(out, y)
    loss.backward()
    grad = out.grad
    return locals()


class ListLayers(nn.Module):
    def __init__(self, registered: bool) -> None:
        super().__init__()
        layers = [nn.Linear(3, 3), nn.Linear(3, 3)]
        self.blocks = nn.ModuleList(layers) if registered else layers
        self.out = nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = torch.relu(block(x))
        return self.out(x)


def not_in_optimizer_broken() -> dict[str, Any]:
    x, y = data()
    model = ListLayers(registered=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def not_in_optimizer_fixed() -> dict[str, Any]:
    x, y = data()
    model = ListLayers(registered=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def frozen_parameter_broken() -> dict[str, Any]:
    x, y = data()
    model = TwoLayer()
    model.fc1.requires_grad_(False)
    optimizer = torch.optim.SGD(model.fc2.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


class WithUnused(nn.Module):
    def __init__(self, use_all: bool) -> None:
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.extra = nn.Linear(4, 4)
        self.fc2 = nn.Linear(4, 1)
        self.use_all = use_all

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc1(x))
        if self.use_all:
            h = torch.relu(self.extra(h))
        return self.fc2(h)


def unused_parameter_broken() -> dict[str, Any]:
    x, y = data()
    model = WithUnused(use_all=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def unused_parameter_fixed() -> dict[str, Any]:
    x, y = data()
    model = WithUnused(use_all=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def non_differentiable_broken() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 4)
    values = torch.arange(4.0)
    choice = model(x).argmax(dim=1).float()
    loss = F.mse_loss(choice, y.squeeze(1)) + 0 * values.sum()
    return locals()


def non_differentiable_fixed() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 4)
    values = torch.arange(4.0)
    choice = (model(x).softmax(dim=1) * values).sum(dim=1)
    loss = F.mse_loss(choice, y.squeeze(1))
    loss.backward()
    return locals()


def non_scalar_loss_broken() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 1)
    errors = (model(x) - y) ** 2
    errors.backward()
    return locals()


def non_scalar_loss_fixed() -> dict[str, Any]:
    x, y = data()
    model = nn.Linear(3, 1)
    errors = (model(x) - y) ** 2
    errors.backward(torch.ones_like(errors) / len(errors))
    return locals()


BROKEN_FIXED: dict[str, tuple[Scenario, Scenario, str]] = {
    "missing_requires_grad": (missing_requires_grad_broken, missing_requires_grad_fixed,
                              "warning"),
    "plain_tensor_attribute": (plain_tensor_attribute_broken, plain_tensor_attribute_fixed,
                               "error"),
    "no_grad": (no_grad_broken, clean_fixed, "error"),
    "inference_mode": (inference_mode_broken, inference_mode_fixed, "error"),
    "detach": (detach_broken, clean_fixed, "error"),
    "data_attribute": (data_attribute_broken, clean_fixed, "error"),
    "numpy_roundtrip": (numpy_roundtrip_broken, numpy_roundtrip_fixed, "error"),
    "rewrap": (rewrap_broken, rewrap_fixed, "error"),
    "in_place": (in_place_broken, in_place_fixed, "error"),
    "double_backward": (double_backward_broken, double_backward_fixed, "error"),
    "non_leaf_grad": (non_leaf_grad_broken, non_leaf_grad_fixed, "warning"),
    "not_in_optimizer": (not_in_optimizer_broken, not_in_optimizer_fixed, "error"),
    "frozen_parameter": (frozen_parameter_broken, clean_fixed, "info"),
    "unused_parameter": (unused_parameter_broken, unused_parameter_fixed, "warning"),
    "non_scalar_loss": (non_scalar_loss_broken, non_scalar_loss_fixed, "error"),
    "non_differentiable": (non_differentiable_broken, non_differentiable_fixed, "error"),
    "integer_dtype": (integer_dtype_broken, clean_fixed, "error"),
    "broadcast_loss": (broadcast_loss_broken, broadcast_loss_fixed, "error"),
}

MORE_BROKEN: dict[str, tuple[Scenario, Scenario, str]] = {
    "missing_requires_grad": (nothing_requires_grad_broken, missing_requires_grad_fixed,
                              "error"),
    "in_place": (in_place_predicted_broken, in_place_predicted_fixed, "error"),
    "double_backward": (double_backward_predicted_broken, double_backward_fixed, "error"),
    "non_leaf_grad": (non_leaf_output_grad_broken, non_leaf_output_grad_fixed, "warning"),
}



# --- issue 16's patterns: real scripts as they really fail -----------------------------------
def jacobian_vector_backward() -> dict[str, Any]:
    """A non-scalar output with its weights given to backward(): no variable named loss."""
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 5, requires_grad=True)
    y = torch.sin(x) * x
    y.backward(torch.ones_like(y))
    return locals()


def autograd_grad_only() -> dict[str, Any]:
    """A physics-style derivative with torch.autograd.grad and no variable named loss."""
    torch.manual_seed(0)
    t = torch.linspace(0, 1, 5, requires_grad=True)
    position = t ** 3
    (velocity,) = torch.autograd.grad(position.sum(), t, create_graph=True)
    (acceleration,) = torch.autograd.grad(velocity.sum(), t)
    return locals()


def scaled_init(fixed: bool) -> dict[str, Any]:
    """Xavier-style init written after requires_grad=True: w is the output of a division, a
    non-leaf, so its .grad stays None and the manual update crashes."""
    x, y = data(16, 4)
    if fixed:
        w = (torch.randn(4, 1) / np.sqrt(4)).requires_grad_()
    else:
        w = torch.randn(4, 1, requires_grad=True) / np.sqrt(4)
    b = torch.zeros(1, requires_grad=True)
    for _ in range(2):
        loss = F.mse_loss(x @ w + b, y)
        loss.backward()
        with torch.no_grad():
            w -= w.grad * 0.1
            b -= b.grad * 0.1
        w.grad.zero_()
        b.grad.zero_()
    return locals()


def rebound_under_no_grad(fixed: bool) -> dict[str, Any]:
    """The update rebinds w under no_grad: the new w is a leaf without requires_grad, so the
    next backward leaves its .grad None and w.grad.zero_() crashes."""
    x, y = data(16, 4)
    w = torch.randn(4, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for _ in range(2):
        loss = F.mse_loss(x @ w + b, y)
        loss.backward()
        with torch.no_grad():
            if fixed:
                w -= 0.1 * w.grad
            else:
                w = w - 0.1 * w.grad
            b -= 0.1 * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return locals()


def numpy_loss(fixed: bool) -> dict[str, Any]:
    """A loss computed with numpy on detached predictions: a numpy.float32 has no backward()."""
    x, y = data(16, 4)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    if fixed:
        loss = torch.mean((model(x) - y) ** 2)
    else:
        prediction = model(x).detach().numpy()
        loss = np.mean((prediction - y.numpy()) ** 2)
    loss.backward()
    optimizer.step()
    return locals()


def item_loss(fixed: bool) -> dict[str, Any]:
    """The loss accumulated as a Python number with .item(): a float has no backward()."""
    x, y = data(16, 4)
    model = nn.Linear(4, 1)
    total = torch.zeros(()) if fixed else 0.0
    for i in range(2):
        part = F.mse_loss(model(x[i::2]), y[i::2])
        total += part if fixed else part.item()
    total.backward()
    return locals()


def swallowed_in_place(fixed: bool) -> dict[str, Any]:
    """A loop that skips batches whose backward fails: every step fails, silently."""
    x, y = data()
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    skipped = 0
    for _ in range(2):
        optimizer.zero_grad()
        h = torch.sigmoid(model.fc1(x))
        if fixed:
            h = h + 1
        else:
            h += 1
        loss = F.mse_loss(model.fc2(h), y)
        try:
            loss.backward()
        except RuntimeError:
            skipped += 1
            continue
        optimizer.step()
    return locals()


def swallowed_double_backward(fixed: bool) -> dict[str, Any]:
    """Two losses on one forward, the backward in a try (as in a notebook cell)."""
    x, y = data()
    model = TwoLayer()
    hidden = model.fc1(x).tanh()
    first = F.mse_loss(model.fc2(hidden), y)
    second = hidden.pow(2).mean()
    loss = first + second if fixed else first
    if not fixed:
        first.backward()
    try:
        (loss if fixed else second).backward()
    except Exception as error:  # noqa: BLE001 - the script under test swallows it
        message = str(error)
    return locals()


def frozen_model(fixed: bool) -> dict[str, Any]:
    """Every parameter frozen: a fine-tuning script that forgot to unfreeze the head."""
    x, y = data()
    model = TwoLayer()
    model.requires_grad_(False)
    if fixed:
        model.fc2.requires_grad_(True)
    optimizer = torch.optim.SGD(model.fc2.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def frozen_each_parameter_broken() -> dict[str, Any]:
    x, y = data()
    model = TwoLayer()
    for p in model.parameters():
        p.requires_grad = False
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


def frozen_tensor_broken() -> dict[str, Any]:
    """A hand-written model whose only weight was frozen while debugging."""
    x, y = data()
    w = torch.randn(3, 1, requires_grad=True)
    w.requires_grad_(False)
    loss = F.mse_loss(x @ w, y)
    loss.backward()
    return locals()


def maml_fast_weights(fixed: bool) -> dict[str, Any]:
    """MAML's inner step under no_grad: the fast weights have no history, so the meta-loss
    cannot reach the model's weights."""
    x, y = data()
    model = nn.Linear(3, 1)
    meta_optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inner = F.mse_loss(model(x), y)
    grads = torch.autograd.grad(inner, list(model.parameters()), create_graph=True)
    with torch.set_grad_enabled(fixed):
        fast = [p - 0.1 * g for p, g in zip(model.parameters(), grads, strict=True)]
    meta_loss = F.mse_loss(F.linear(x, fast[0], fast[1]), y)
    meta_loss.backward()
    meta_optimizer.step()
    return locals()


def validation_loss_backpropagated(fixed: bool) -> dict[str, Any]:
    """The validation loss, computed under no_grad, is then used for an update."""
    x, y = data()
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.eval()
    with torch.set_grad_enabled(fixed):
        val_loss = F.mse_loss(model(x), y)
    val_loss.backward()
    optimizer.step()
    return locals()


def integer_embedding(fixed: bool) -> dict[str, Any]:
    """Trainable token ids: requires_grad_() on an integer tensor."""
    torch.manual_seed(0)
    tokens = torch.randint(0, 10, (4, 3))
    if not fixed:
        tokens.requires_grad_()
    table = nn.Embedding(10, 2)
    loss = table(tokens).sum()
    loss.backward()
    return locals()


def step_between_backwards(fixed: bool) -> dict[str, Any]:
    """optimizer.step() between two backward passes over one forward: the step changed the
    weights the second backward needs."""
    x, y = data()
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    out = model(x)
    first = F.mse_loss(out, y)
    second = out.abs().mean()
    first.backward(retain_graph=True)
    if not fixed:
        optimizer.step()
    second.backward()
    if fixed:
        optimizer.step()
    return locals()


class ResidualBlock(nn.Module):
    def __init__(self, in_place: bool) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.in_place = in_place

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.sigmoid(self.fc(x))
        if self.in_place:
            out += x
        else:
            out = out + x
        return out


def residual_in_place(fixed: bool) -> dict[str, Any]:
    x, y = data(8, 4)
    block = ResidualBlock(in_place=not fixed)
    loss = F.mse_loss(block(x).sum(1, keepdim=True), y)
    loss.backward()
    return locals()


def relu_inplace(fixed: bool) -> dict[str, Any]:
    x, y = data()
    fc1, fc2 = nn.Linear(3, 4), nn.Linear(4, 1)
    hidden = torch.sigmoid(fc1(x))
    loss = F.mse_loss(fc2(F.relu(hidden, inplace=not fixed)), y)
    loss.backward()
    return locals()


def index_assignment(fixed: bool) -> dict[str, Any]:
    x, y = data()
    fc = nn.Linear(3, 3)
    scores = torch.exp(fc(x))
    if fixed:
        scores = scores * torch.tensor([0.0, 1.0, 1.0])
    else:
        scores[:, 0] = 0
    loss = F.mse_loss(scores.sum(1, keepdim=True), y)
    loss.backward()
    return locals()


def _learn_from(model: nn.Module, optimizer: torch.optim.Optimizer, fixed: bool) -> None:
    x, y = data()
    with torch.no_grad() if not fixed else torch.enable_grad():
        loss = F.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def swallowed_no_grad(fixed: bool) -> dict[str, Any]:
    """A helper that learns from a batch computed under no_grad; the caller skips failures."""
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    try:
        _learn_from(model, optimizer, fixed)
    except RuntimeError as error:
        print("skipped:", error)
    return locals()


# issue 16's patterns: each broken with `fixed=False`, clean with `fixed=True`
PATTERN_PAIRS: list[Scenario] = [
    scaled_init, rebound_under_no_grad, numpy_loss, item_loss, swallowed_in_place,
    swallowed_double_backward, swallowed_no_grad, frozen_model, maml_fast_weights,
    validation_loss_backpropagated, integer_embedding, step_between_backwards, residual_in_place,
    relu_inplace, index_assignment,
]


class CachingNet(nn.Module):
    """Keeps its last hidden activation for plotting, as many research models do."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(3, 4), nn.Linear(4, 1)
        self._last = torch.zeros(0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = torch.relu(self.fc1(x))
        self._last = hidden
        return self.fc2(hidden)


def tensor_cached_in_forward() -> dict[str, Any]:
    x, y = data()
    model = CachingNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return locals()


def numpy_targets_and_weights() -> dict[str, Any]:
    """Targets and class weights computed with numpy, then turned into tensors."""
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    features = torch.from_numpy(rng.normal(size=(12, 3)).astype(np.float32))
    labels = rng.integers(0, 3, size=12)
    counts = np.bincount(labels, minlength=3)
    weight = torch.tensor(len(labels) / (3 * np.maximum(counts, 1)), dtype=torch.float32)
    target = torch.from_numpy(labels).long()
    model = nn.Linear(3, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.cross_entropy(model(features), target, weight=weight)
    loss.backward()
    optimizer.step()
    return locals()


def byol_ema_teacher() -> dict[str, Any]:
    """An EMA teacher under no_grad feeding the student's loss (BYOL, mean teacher)."""
    x, _ = data(8, 4)
    student, teacher = nn.Linear(4, 2), nn.Linear(4, 2)
    teacher.load_state_dict(student.state_dict())
    teacher.requires_grad_(False)
    optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
    with torch.no_grad():
        target = teacher(x + 0.1)
    loss = F.mse_loss(student(x), target)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for t_param, s_param in zip(teacher.parameters(), student.parameters(), strict=True):
            t_param.mul_(0.99).add_(s_param, alpha=0.01)
    return locals()


def metrics_under_no_grad() -> dict[str, Any]:
    x, y = data(8, 3)
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    output = model(x)
    loss = F.mse_loss(output, y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        mae = (output - y).abs().mean()
        accuracy = ((output > 0) == (y > 0)).float().mean()
    return locals()


def wgan_gradient_penalty() -> dict[str, Any]:
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)
    real, fake = torch.randn(6, 3), torch.randn(6, 3)
    mix = (0.3 * real + 0.7 * fake).requires_grad_(True)
    (slope,) = torch.autograd.grad(critic(mix).sum(), mix, create_graph=True)
    penalty = ((slope.norm(2, dim=1) - 1) ** 2).mean()
    loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return locals()


# --- correct programs: gradlab must report no error and no warning --------------------------
def mlp() -> dict[str, Any]:
    x, y = data(16, 5)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(3):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    return locals()


def cnn() -> dict[str, Any]:
    torch.manual_seed(0)
    images, labels = torch.randn(4, 1, 8, 8), torch.tensor([0, 1, 2, 1])
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(36, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = F.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return locals()


def rnn_truncated_bptt() -> dict[str, Any]:
    torch.manual_seed(0)
    cell = nn.RNNCell(3, 5)
    readout = nn.Linear(5, 1)
    optimizer = torch.optim.SGD([*cell.parameters(), *readout.parameters()], lr=0.1)
    hidden = torch.zeros(2, 5)
    for _ in range(3):
        chunk, target = torch.randn(2, 3), torch.randn(2, 1)
        hidden = cell(chunk, hidden.detach())
        optimizer.zero_grad()
        loss = F.mse_loss(readout(hidden), target)
        loss.backward()
        optimizer.step()
    return locals()


def gan_step() -> dict[str, Any]:
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3))
    D = nn.Sequential(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1))
    opt_G = torch.optim.Adam(G.parameters(), lr=1e-3)
    opt_D = torch.optim.Adam(D.parameters(), lr=1e-3)
    real, z = torch.randn(6, 3), torch.randn(6, 2)
    fake = G(z)
    ones, zeros = torch.ones(6, 1), torch.zeros(6, 1)
    opt_D.zero_grad()
    d_loss = (F.binary_cross_entropy_with_logits(D(real), ones)
              + F.binary_cross_entropy_with_logits(D(fake.detach()), zeros))
    d_loss.backward()
    opt_D.step()
    opt_G.zero_grad()
    g_loss = F.binary_cross_entropy_with_logits(D(fake), ones)
    g_loss.backward()
    opt_G.step()
    return locals()


def fine_tune_frozen_backbone() -> dict[str, Any]:
    x, y = data(8, 6)
    backbone = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8))
    head = nn.Linear(8, 1)
    backbone.requires_grad_(False)
    model = nn.Sequential(backbone, head)
    optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return locals()


def eval_loop_under_no_grad() -> dict[str, Any]:
    x, y = data()
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        val_loss = F.mse_loss(model(x), y)
    model.train()
    return locals()


def ema_update_under_no_grad() -> dict[str, Any]:
    x, y = data()
    model = TwoLayer()
    ema = TwoLayer()
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for p_ema, p in zip(ema.parameters(), model.parameters(), strict=True):
            p_ema.mul_(0.99).add_(p, alpha=0.01)
    return locals()


def manual_sgd_under_no_grad() -> dict[str, Any]:
    x, y = data()
    w = torch.randn(3, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    for _ in range(3):
        loss = F.mse_loss(x @ w + b, y)
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
            w.grad.zero_()
            b.grad.zero_()
    loss = F.mse_loss(x @ w + b, y)
    loss.backward()
    return locals()


def gradient_accumulation() -> dict[str, Any]:
    x, y = data(16)
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    for xb, yb in zip(x.split(4), y.split(4), strict=True):
        loss = F.mse_loss(model(xb), yb) / 4
        loss.backward()
    optimizer.step()
    return locals()


def retain_graph_on_purpose() -> dict[str, Any]:
    x, y = data()
    model = TwoLayer()
    out = model(x)
    loss_a = F.mse_loss(out, y)
    loss_b = out.abs().mean()
    loss_a.backward(retain_graph=True)
    loss_b.backward()
    return locals()


def gradient_penalty_create_graph() -> dict[str, Any]:
    x, y = data()
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs = x.clone().requires_grad_(True)
    out = model(inputs)
    (grad_inputs,) = torch.autograd.grad(out.sum(), inputs, create_graph=True)
    loss = F.mse_loss(out, y) + 0.1 * (grad_inputs.norm(dim=1) - 1).pow(2).mean()
    loss.backward()
    optimizer.step()
    return locals()


def in_place_after_linear() -> dict[str, Any]:
    x, y = data()
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 1))
    h = model[0](x)
    h *= 2.0
    loss = F.mse_loss(model[2](torch.relu(h)), y)
    loss.backward()
    return locals()


def in_place_on_a_product() -> dict[str, Any]:
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    h = w * 2
    h += 1
    loss = h.sum()
    loss.backward()
    return locals()


def slice_of_a_parameter() -> dict[str, Any]:
    torch.manual_seed(0)
    w = torch.randn(4, 4, requires_grad=True)
    loss = w[0:2, 0:2].pow(2).sum()
    loss.backward()
    return locals()


def dqn_target_network() -> dict[str, Any]:
    torch.manual_seed(0)
    q_net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    target_net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    target_net.load_state_dict(q_net.state_dict())
    optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
    state, next_state = torch.randn(5, 4), torch.randn(5, 4)
    action, reward = torch.tensor([0, 1, 1, 0, 1]), torch.randn(5)
    with torch.no_grad():
        target = reward + 0.99 * target_net(next_state).max(dim=1).values
    q_value = q_net(state).gather(1, action[:, None]).squeeze(1)
    loss = F.smooth_l1_loss(q_value, target)
    loss.backward()
    optimizer.step()
    return locals()


def distillation_with_teacher() -> dict[str, Any]:
    x, _ = data(8, 6)
    teacher = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    student = nn.Sequential(nn.Linear(6, 3))
    optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
    teacher.eval()
    with torch.no_grad():
        soft_targets = teacher(x).softmax(dim=1)
    loss = F.kl_div(student(x).log_softmax(dim=1), soft_targets, reduction="batchmean")
    loss.backward()
    optimizer.step()
    return locals()


def transformer_layer() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0,
                                                             batch_first=True), 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    tokens = torch.randn(2, 5, 16)
    loss = model(tokens).pow(2).mean()
    loss.backward()
    optimizer.step()
    return locals()


def embedding_lstm_classifier() -> dict[str, Any]:
    torch.manual_seed(0)
    embed = nn.Embedding(10, 4)
    lstm = nn.LSTM(4, 6, batch_first=True)
    head = nn.Linear(6, 2)
    params = [*embed.parameters(), *lstm.parameters(), *head.parameters()]
    optimizer = torch.optim.SGD(params, lr=0.1)
    tokens, labels = torch.randint(0, 10, (3, 7)), torch.tensor([0, 1, 1])
    output, _ = lstm(embed(tokens))
    loss = F.cross_entropy(head(output[:, -1]), labels)
    loss.backward()
    optimizer.step()
    return locals()


def logging_with_item_and_numpy() -> dict[str, Any]:
    x, y = data()
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    out = model(x)
    loss = F.mse_loss(out, y)
    loss.backward()
    optimizer.step()
    history = [loss.item()]
    predictions = out.detach().numpy().round(2)
    return locals()


def step_between_two_losses_then_recompute() -> dict[str, Any]:
    """Two losses with an optimizer step between them; the second forward is recomputed, so
    the first graph's stale saves are never used again."""
    x, _ = data()
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    first_loss = net(x).pow(2).mean()
    first_loss.backward()
    optimizer.step()
    second_loss = net(x).abs().mean()
    second_loss.backward()
    return locals()


CORRECT: list[Scenario] = [
    mlp, cnn, rnn_truncated_bptt, gan_step, fine_tune_frozen_backbone, eval_loop_under_no_grad,
    ema_update_under_no_grad, manual_sgd_under_no_grad, gradient_accumulation,
    retain_graph_on_purpose, gradient_penalty_create_graph, in_place_after_linear,
    in_place_on_a_product, slice_of_a_parameter, dqn_target_network, distillation_with_teacher,
    transformer_layer, embedding_lstm_classifier, logging_with_item_and_numpy,
    step_between_two_losses_then_recompute, jacobian_vector_backward, autograd_grad_only,
    tensor_cached_in_forward, numpy_targets_and_weights, byol_ema_teacher, metrics_under_no_grad,
    wgan_gradient_penalty,
]

ALL = sorted({f for pair in (*BROKEN_FIXED.values(), *MORE_BROKEN.values()) for f in pair[:2]}
             | set(CORRECT), key=lambda f: f.__name__)


# --- silent failures: wrong, zero or NaN gradients without an error ---------------------------
def _one_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, Any]:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return locals()


def _relu_net(bias: float) -> dict[str, Any]:
    x, y = data(16, 3)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    nn.init.constant_(model[0].bias, bias)
    return _one_step(model, x, y)


def zero_gradient_broken() -> dict[str, Any]:
    """Every ReLU unit starts switched off: the first layer's gradient is all zero."""
    return _relu_net(-10.0)


def zero_gradient_fixed() -> dict[str, Any]:
    return _relu_net(0.0)


def _counts(straight_through: bool) -> dict[str, Any]:
    x, _ = data(16, 3)
    counts = torch.randint(0, 5, (16, 1)).float()
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    out = model(x)
    rounded = out + (out.round() - out).detach() if straight_through else torch.round(out)
    loss = F.mse_loss(rounded, counts)
    loss.backward()
    return locals()


def round_prediction_broken() -> dict[str, Any]:
    """Counts are whole numbers, so the prediction is rounded: round's derivative is zero."""
    return _counts(straight_through=False)


def round_straight_through_fixed() -> dict[str, Any]:
    """A straight-through estimator: rounded forward, identity gradient."""
    return _counts(straight_through=True)


def _distance(eps: float) -> dict[str, Any]:
    torch.manual_seed(0)
    feats = torch.randn(4, 3)
    head = nn.Linear(3, 2)
    nn.init.zeros_(head.weight)
    nn.init.zeros_(head.bias)
    targets = torch.tensor([[0.0, 0.0], [1.0, 0.5], [-0.5, 0.2], [0.3, 0.3]])
    loss = torch.sqrt(((head(feats) - targets) ** 2).sum(-1) + eps).mean()
    loss.backward()
    return locals()


def nan_gradient_broken() -> dict[str, Any]:
    """A distance through sqrt, zero where the prediction hits its target: NaN gradient."""
    return _distance(0.0)


def nan_gradient_fixed() -> dict[str, Any]:
    return _distance(1e-12)


def _log2_branch(safe: bool) -> dict[str, Any]:
    weight = nn.Parameter(torch.tensor([0.0, 2.0, 3.0]))
    w = weight * torch.ones(3)
    inner = torch.where(w > 2, w, torch.ones_like(w)) if safe else w
    loss = torch.where(w > 2, torch.log2(inner), 2 * w).sum()
    return locals()


def nan_where_branch_broken() -> dict[str, Any]:
    """torch.where picks the safe branch in the forward; log's backward still divides by 0.
    Not backwarded yet: gradlab predicts the NaN."""
    return _log2_branch(safe=False)


def nan_where_branch_fixed() -> dict[str, Any]:
    return _log2_branch(safe=True)


def data_clamp_before_backward_broken() -> dict[str, Any]:
    """Weights clamped through .data between forward and backward: the gradient is for values
    that no longer exist, and nothing raises."""
    x, y = data()
    model = TwoLayer()
    loss = F.mse_loss(model(x), y)
    for p in model.parameters():
        p.data.clamp_(0)
    loss.backward()
    return locals()


def wgan_clip_after_step() -> dict[str, Any]:
    """WGAN weight clipping through .data after optimizer.step(): correct."""
    x, _ = data()
    critic = TwoLayer()
    optimizer = torch.optim.RMSprop(critic.parameters(), lr=5e-5)
    for _ in range(2):
        optimizer.zero_grad()
        loss = -critic(x).mean()
        loss.backward()
        optimizer.step()
        for p in critic.parameters():
            p.data.clamp_(-0.01, 0.01)
    return locals()


def _rotation(rewrap: bool) -> dict[str, Any]:
    torch.manual_seed(0)
    theta = torch.tensor(0.4, requires_grad=True)
    points = torch.randn(5, 2)
    c, s = torch.cos(theta), torch.sin(theta)
    R = (torch.tensor([[c, -s], [s, c]], requires_grad=True) if rewrap
         else torch.stack([torch.stack([c, -s]), torch.stack([s, c])]))
    loss = (points @ R.T - points.flip(1)).pow(2).mean()  # a norm alone would ignore theta
    loss.backward()
    return locals()


def rotation_rewrap_broken() -> dict[str, Any]:
    """A rotation matrix rebuilt with torch.tensor(..., requires_grad=True): theta gets nothing."""
    return _rotation(rewrap=True)


def rotation_stack_fixed() -> dict[str, Any]:
    return _rotation(rewrap=False)


def _accuracy_term(soft: bool) -> dict[str, Any]:
    x, _ = data(16, 3)
    labels = torch.randint(0, 3, (16,))
    model = nn.Linear(3, 3)
    out = model(x)
    accuracy = (out.argmax(-1) == labels).float().mean()  # a metric
    term = out.softmax(-1)[range(16), labels].mean() if soft else accuracy
    loss = F.cross_entropy(out, labels) + (1 - term)
    loss.backward()
    return locals()


def accuracy_term_broken() -> dict[str, Any]:
    """1 - accuracy added to the loss: argmax and == carry no gradient."""
    return _accuracy_term(soft=False)


def soft_accuracy_term_fixed() -> dict[str, Any]:
    return _accuracy_term(soft=True)


class CastAfterWrap(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.scale = (nn.Parameter(torch.ones(3, dtype=torch.float64)) if fixed
                      else nn.Parameter(torch.ones(3)).double())
        self.fc = nn.Linear(3, 1).double()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x * self.scale)


def rebound_parameter_broken() -> dict[str, Any]:
    """nn.Parameter(...).double(): the attribute holds a non-leaf copy, the Parameter is lost."""
    x, y = data()
    return _one_step(CastAfterWrap(fixed=False), x.double(), y.double())


def rebound_parameter_fixed() -> dict[str, Any]:
    x, y = data()
    return _one_step(CastAfterWrap(fixed=True), x.double(), y.double())


class Stack(nn.Module):
    def __init__(self, registered: bool) -> None:
        super().__init__()
        layers = {"first": nn.Linear(3, 3), "second": nn.Linear(3, 3)}
        self.blocks = nn.ModuleDict(layers) if registered else layers
        self.head = nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks.values():
            x = torch.tanh(block(x))
        return self.head(x)


def unregistered_module_broken() -> dict[str, Any]:
    """Blocks kept in a Python dict: the optimizer never sees their weights."""
    x, y = data()
    return _one_step(Stack(registered=False), x, y)


def unregistered_module_fixed() -> dict[str, Any]:
    x, y = data()
    return _one_step(Stack(registered=True), x, y)


def freeze_after_optimizer() -> dict[str, Any]:
    """Freezing a layer after the optimizer was built: its .grad stays None, SGD skips it."""
    x, y = data()
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.fc1.requires_grad_(False)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return locals()


def safe_sqrt_with_where() -> dict[str, Any]:
    """torch.where on the input keeps sqrt away from 0: correct."""
    x = torch.tensor([0.0, 1.0, 4.0], requires_grad=True)
    positive = x > 0
    loss = torch.where(positive, torch.sqrt(torch.where(positive, x, torch.ones_like(x))),
                       torch.zeros_like(x)).sum()
    loss.backward()
    return locals()


def _manual_sgd(in_place: bool) -> dict[str, Any]:
    x, y = data()
    w = torch.randn(3, 1, requires_grad=True)
    for _ in range(2):
        loss = F.mse_loss(x @ w, y)
        loss.backward()
        with torch.no_grad():
            if in_place:
                w -= 0.1 * w.grad
            else:
                w = w - 0.1 * w.grad
        w.grad = None
    return locals()


def rebind_under_no_grad_broken() -> dict[str, Any]:
    """`w = w - lr * w.grad` under no_grad: the next loss has no history."""
    return _manual_sgd(in_place=False)


def update_in_place_fixed() -> dict[str, Any]:
    return _manual_sgd(in_place=True)


def _training_loop(zero_grad: bool, backwards_per_step: int = 1) -> dict[str, Any]:
    x, y = data()
    model = TwoLayer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        if zero_grad:
            optimizer.zero_grad()
        for _ in range(backwards_per_step):
            loss = F.mse_loss(model(x), y)
            loss.backward()
        optimizer.step()
    return locals()


def zero_grad_forgotten_broken() -> dict[str, Any]:
    """No zero_grad(): the second backward adds to the gradient the first step used."""
    return _training_loop(zero_grad=False)


def zero_grad_each_step_fixed() -> dict[str, Any]:
    return _training_loop(zero_grad=True)


def gradient_accumulation_on_purpose() -> dict[str, Any]:
    """Two backward passes per step, zero_grad() before each step's first: correct."""
    return _training_loop(zero_grad=True, backwards_per_step=2)


def require_grad_typo_broken() -> dict[str, Any]:
    """`p.require_grad = False`: a new attribute, fc1 is not frozen and still gets gradients."""
    x, y = data()
    model = TwoLayer()
    for p in model.fc1.parameters():
        p.require_grad = False
    optimizer = torch.optim.SGD(model.fc2.parameters(), lr=0.1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


SILENT: dict[str, tuple[Scenario, Scenario, str]] = {
    "accumulated_gradient": (zero_grad_forgotten_broken, zero_grad_each_step_fixed, "error"),
    "zero_gradient": (zero_gradient_broken, zero_gradient_fixed, "warning"),
    "nan_gradient": (nan_gradient_broken, nan_gradient_fixed, "error"),
    "constant_loss_term": (accuracy_term_broken, soft_accuracy_term_fixed, "warning"),
    "rebound_parameter": (rebound_parameter_broken, rebound_parameter_fixed, "error"),
    "unregistered_module": (unregistered_module_broken, unregistered_module_fixed, "error"),
    "misspelled_attribute": (require_grad_typo_broken, frozen_parameter_broken, "warning"),
}
SILENT_MORE: list[tuple[str, Scenario, Scenario, str]] = [
    ("non_differentiable", round_prediction_broken, round_straight_through_fixed, "error"),
    ("nan_gradient", nan_where_branch_broken, nan_where_branch_fixed, "warning"),
    ("data_attribute", data_clamp_before_backward_broken, clean_fixed, "error"),
    ("rewrap", rotation_rewrap_broken, rotation_stack_fixed, "error"),
    ("rebound_parameter", rebind_under_no_grad_broken, update_in_place_fixed, "error"),
]
BROKEN_FIXED.update(SILENT)
CORRECT += [wgan_clip_after_step, freeze_after_optimizer, safe_sqrt_with_where,
            gradient_accumulation_on_purpose]
ALL = sorted(set(ALL) | {f for *_, broken, fixed, _ in SILENT_MORE for f in (broken, fixed)}
             | {f for pair in SILENT.values() for f in pair[:2]} | set(CORRECT),
             key=lambda f: f.__name__)
