# source: https://github.com/pytorch/ao/pull/2280
import torch
from torch import nn

torch.manual_seed(0)


class _Round(torch.autograd.Function):
    """Only the rounding is straight-through: scale and zero point get their gradients from
    the differentiable ops around it."""

    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class FakeQuantizedLinear(nn.Linear):
    """A linear layer whose weight is fake-quantized to int4 with a learned range."""

    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        self.scale = nn.Parameter(torch.full((out_features, 1), 0.1))
        self.register_buffer("zero_point", torch.zeros(out_features, 1))

    def forward(self, x):
        q = _Round.apply(self.weight / self.scale + self.zero_point)
        w = (torch.clamp(q, -8, 7) - self.zero_point) * self.scale
        return nn.functional.linear(x, w, self.bias)


model = nn.Sequential(FakeQuantizedLinear(6, 8), nn.ReLU(), FakeQuantizedLinear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(16, 6), torch.randn(16, 1)
for _ in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
