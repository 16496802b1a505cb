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
    model = nn.Linear(3, 1)
    x, y = data()
    loss = F.mse_loss(model(x), y.squeeze(1))  # (8, 1) against (8,): broadcasts to (8, 8)
    loss.backward()
    return locals()


def broadcast_loss_fixed() -> dict[str, Any]:
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
    step_between_two_losses_then_recompute,
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


SILENT: dict[str, tuple[Scenario, Scenario, str]] = {
    "zero_gradient": (zero_gradient_broken, zero_gradient_fixed, "warning"),
    "nan_gradient": (nan_gradient_broken, nan_gradient_fixed, "error"),
    "constant_loss_term": (accuracy_term_broken, soft_accuracy_term_fixed, "warning"),
    "rebound_parameter": (rebound_parameter_broken, rebound_parameter_fixed, "error"),
    "unregistered_module": (unregistered_module_broken, unregistered_module_fixed, "error"),
}
SILENT_MORE: list[tuple[str, Scenario, Scenario, str]] = [
    ("non_differentiable", round_prediction_broken, round_straight_through_fixed, "error"),
    ("nan_gradient", nan_where_branch_broken, nan_where_branch_fixed, "warning"),
    ("data_attribute", data_clamp_before_backward_broken, clean_fixed, "error"),
    ("rewrap", rotation_rewrap_broken, rotation_stack_fixed, "error"),
    ("rebound_parameter", rebind_under_no_grad_broken, update_in_place_fixed, "error"),
]
BROKEN_FIXED.update(SILENT)
CORRECT += [wgan_clip_after_step, freeze_after_optimizer, safe_sqrt_with_where]
ALL = sorted(set(ALL) | {f for *_, broken, fixed, _ in SILENT_MORE for f in (broken, fixed)}
             | {f for pair in SILENT.values() for f in pair[:2]} | set(CORRECT),
             key=lambda f: f.__name__)
