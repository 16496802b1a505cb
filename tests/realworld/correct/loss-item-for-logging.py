# source: https://github.com/chaoyuaw/pytorch-vcii/pull/5
# idiom: loss.item() only for the running average that is printed; backward uses the tensor
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
running = 0.0
for step in range(3):
    x, y = torch.randn(4, 3), torch.randn(4, 1)
    loss = ((model(x) - y) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    running += loss.item()
print(running / 3)
