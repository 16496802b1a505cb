# source: https://github.com/pytorch/pytorch/issues/94700
# symptom: the loss is finite after nan_to_num, but every weight's gradient is nan
# expect: nan_gradient
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
    loss = ((pred - gt) ** 2).nan_to_num(0).mean()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
