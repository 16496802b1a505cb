# source: https://github.com/quantumiracle/Popular-RL-Algorithms/issues/16
# idiom: an EMA teacher gives targets under no_grad and is updated in place under no_grad
import copy

import torch
from torch import nn

torch.manual_seed(0)
student = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
teacher = copy.deepcopy(student)
for p in teacher.parameters():
    p.requires_grad_(False)
optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
for step in range(2):
    x = torch.randn(5, 4)
    with torch.no_grad():
        targets = teacher(x + 0.1 * torch.randn_like(x)).softmax(-1)
    loss = -(targets * student(x).log_softmax(-1)).sum(-1).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        for pt, ps in zip(teacher.parameters(), student.parameters()):
            pt.mul_(0.99).add_(ps, alpha=0.01)
