# source: https://github.com/skorch-dev/skorch/issues/261
# idiom: freezing a layer after the optimizer was built: its .grad stays None and step() skips it
import torch
import torch.nn as nn

torch.manual_seed(0)
module = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
x, y = torch.randn(16, 5), torch.randint(0, 2, (16,))
for p in module[0].parameters():  # freeze the first layer
    p.requires_grad_(False)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(module(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
