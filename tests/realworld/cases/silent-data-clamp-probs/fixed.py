# source: https://github.com/pytorch/pytorch/issues/6990
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(6, 5)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x = torch.randn(8, 6) * 3
target = (torch.rand(8, 5) > 0.5).float()

for _step in range(3):
    optimizer.zero_grad()
    probs = torch.sigmoid(model(x))
    probs = probs.clamp(0.05, 0.95)  # keep log() away from 0, where autograd sees it
    loss = -(target * probs.log() + (1 - target) * (1 - probs).log()).mean()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
