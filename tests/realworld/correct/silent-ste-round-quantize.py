# source: https://blog.youkuaiyun.com/leelitian3/article/details/122706994
# idiom: a straight-through estimator: round in the forward, identity gradient in the backward
import torch
import torch.nn as nn

torch.manual_seed(0)


def ste_round(x):
    return x + (x.round() - x).detach()


class QuantLinear(nn.Linear):
    """Quantisation-aware training: the weights are rounded to a 1/8 grid in the forward."""

    def forward(self, x):
        return nn.functional.linear(x, ste_round(self.weight * 8) / 8, self.bias)


model = nn.Sequential(QuantLinear(4, 8), nn.ReLU(), QuantLinear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 4), torch.randn(16, 1)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
