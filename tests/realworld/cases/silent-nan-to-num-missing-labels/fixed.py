# source: https://github.com/pytorch/pytorch/issues/94700
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(5, 8), nn.Softplus(), nn.Linear(8, 3))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x = torch.randn(6, 5)
gt = torch.rand(6, 3) + 0.5
gt[1, 2] = float("nan")  # a missing label
gt[4, 0] = float("nan")

for _step in range(3):
    optimizer.zero_grad()
    pred = model(x)
    labelled = ~torch.isnan(gt)  # drop the missing labels before any arithmetic
    loss = ((pred[labelled] - gt[labelled]) ** 2).mean()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
