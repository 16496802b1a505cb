# source: https://github.com/wds1996/GNPR-SID/issues/2
import torch
from torch import nn

torch.manual_seed(0)
n_e = 8
encoder = nn.Linear(6, 4)
codebook = nn.Parameter(torch.randn(n_e, 4))
optimizer = torch.optim.Adam([*encoder.parameters(), codebook], lr=1e-3)
x = torch.randn(32, 6)

z = encoder(x)
Q = -torch.cdist(z, codebook)
indices = torch.argmax(Q, dim=-1)
z_q = codebook[indices]
commit_loss = ((z_q - z.detach()) ** 2).mean() + 0.25 * ((z - z_q.detach()) ** 2).mean()
# soft assignment counts: the softmax over Q keeps the utilization term differentiable
soft_counts = torch.softmax(Q, dim=-1).sum(0)
mean_count = indices.size(0) / n_e
mean_count_loss = torch.mean((soft_counts - mean_count) ** 2) / (mean_count ** 2 + 1e-5)
loss = commit_loss + 0.1 * mean_count_loss
optimizer.zero_grad()
loss.backward()
optimizer.step()
print(f"loss {loss.item():.3f}")
