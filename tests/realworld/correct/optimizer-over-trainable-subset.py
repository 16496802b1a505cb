# source: https://github.com/pytorch/pytorch/issues/7338
# idiom: one embedding frozen, the optimizer built from the parameters that require grad
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 2))
model[0].weight.requires_grad = False
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
tokens, y = torch.randint(0, 10, (5, 3)), torch.randint(0, 2, (5,))
loss = nn.functional.cross_entropy(model(tokens), y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
