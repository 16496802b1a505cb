# source: https://github.com/pytorch/pytorch/issues/45119
# symptom: the bucket penalty on the prediction changes nothing: torch.bucketize returns indices without gradient (no error on current torch)
# expect: non_differentiable, constant_loss_term
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(5, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x, y = torch.randn(20, 5), torch.rand(20, 1)
bounds = torch.arange(5) / 5.
for step in range(3):
    pred = torch.sigmoid(model(x))
    pred_bucket = torch.bucketize(pred, bounds)
    true_bucket = torch.bucketize(y, bounds)
    loss = nn.functional.mse_loss(pred, y) + 0.5 * (pred_bucket - true_bucket).abs().float().mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
