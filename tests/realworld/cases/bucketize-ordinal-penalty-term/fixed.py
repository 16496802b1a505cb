# source: https://github.com/pytorch/pytorch/issues/45119
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(5, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(20, 5), torch.rand(20, 1)
bounds = torch.arange(5) / 5.
for step in range(3):
    pred = torch.sigmoid(model(x))
    # a soft bucket position (sum of sigmoids over the bounds) keeps a gradient, unlike bucketize
    pred_bucket = torch.sigmoid((pred - bounds) * 50).sum(-1, keepdim=True)
    true_bucket = torch.bucketize(y, bounds).float()
    loss = nn.functional.mse_loss(pred, y) + 0.5 * (pred_bucket - true_bucket).abs().mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
