# source: https://github.com/huggingface/accelerate/issues/1056
# idiom: an EMA teacher updated in place under no_grad; no gradient ever reaches it
import copy

import torch
import torch.nn as nn

torch.manual_seed(0)
student = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4))
teacher = copy.deepcopy(student)
for p in teacher.parameters():
    p.requires_grad = False
optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
x = torch.randn(16, 6)
for _it in range(3):
    optimizer.zero_grad()
    with torch.no_grad():
        targets = torch.softmax(teacher(x + 0.1 * torch.randn_like(x)), -1)
    loss = -(targets * torch.log_softmax(student(x), -1)).sum(-1).mean()
    loss.backward()
    optimizer.step()
    # EMA update for the teacher
    with torch.no_grad():
        m = 0.99  # momentum parameter
        for param_q, param_k in zip(student.parameters(), teacher.parameters(), strict=False):
            param_k.data.mul_(m).add_((1 - m) * param_q.detach().data)
print(f"loss {loss.item():.3f}")
