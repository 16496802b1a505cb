# source: https://github.com/pytorch/pytorch/issues/52248
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(6, 4)
group = torch.tensor([0, 0, 1, 1, 0, 1])  # group 2 has no sample in this batch
target = torch.tensor([0.5, -0.5, 0.0])

for _step in range(3):
    optimizer.zero_grad()
    score = model(x).squeeze(1)
    one_hot = nn.functional.one_hot(group, 3).float()
    total, count = score @ one_hot, one_hot.sum(0)
    group_mean = total / count.clamp(min=1)  # an empty group divides 0 by 1, not by 0
    loss = ((group_mean - target) ** 2).sum()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
