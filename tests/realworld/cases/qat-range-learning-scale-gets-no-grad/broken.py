# source: https://github.com/pytorch/ao/pull/2280
# symptom: QAT range learning: the scales are nn.Parameters in the optimizer but never change, their .grad stays None; only the weights train (no error)
# expect: non_differentiable
import torch
from torch import nn

torch.manual_seed(0)


class _GenericFakeQuantize(torch.autograd.Function):
    """Fake quantize with a straight-through estimator for the input."""

    @staticmethod
    def forward(ctx, x, scale, zero_point, quant_min, quant_max):
        q = torch.round(x / scale + zero_point)
        mask = (q >= quant_min) & (q <= quant_max)
        ctx.save_for_backward(mask)
        return (torch.clamp(q, quant_min, quant_max) - zero_point) * scale

    @staticmethod
    def backward(ctx, grad_output):
        (mask,) = ctx.saved_tensors
        return grad_output * mask, None, None, None, None


class FakeQuantizedLinear(nn.Linear):
    """A linear layer whose weight is fake-quantized to int4 with a learned range."""

    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        self.scale = nn.Parameter(torch.full((out_features, 1), 0.1))
        self.register_buffer("zero_point", torch.zeros(out_features, 1))

    def forward(self, x):
        w = _GenericFakeQuantize.apply(self.weight, self.scale, self.zero_point, -8, 7)
        return nn.functional.linear(x, w, self.bias)


model = nn.Sequential(FakeQuantizedLinear(6, 8), nn.ReLU(), FakeQuantizedLinear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(16, 6), torch.randn(16, 1)
for _ in range(3):
    loss = nn.functional.mse_loss(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
