# source: https://github.com/pytorch/pytorch/issues/6990
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 4), torch.randn(16, 2)

for _step in range(3):
    optimizer.zero_grad()
    # magnitude pruning of the last layer, before the forward that uses it
    weight = model[2].weight
    with torch.no_grad():
        weight[weight.abs() < 0.2] = 0
    out = model(x)
    loss = nn.functional.mse_loss(out, y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
