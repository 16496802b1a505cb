# source: https://github.com/seungeunrho/minimalRL/pull/41
# idiom: the TD target comes from a target network without detach or no_grad; it gets .grad, but no optimizer holds it and it is refreshed by load_state_dict (issue 31, RL)
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
q = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
q_target = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
q_target.load_state_dict(q.state_dict())
optimizer = torch.optim.Adam(q.parameters(), lr=5e-4)
gamma = 0.98

for step in range(3):
    s, s_prime = torch.randn(16, 4), torch.randn(16, 4)
    a, r = torch.randint(0, 2, (16, 1)), torch.randn(16, 1)
    done_mask = (torch.rand(16, 1) > 0.1).float()
    q_a = q(s).gather(1, a)
    max_q_prime = q_target(s_prime).max(1)[0].unsqueeze(1)
    target = r + gamma * max_q_prime * done_mask
    loss = F.smooth_l1_loss(q_a, target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
q_target.load_state_dict(q.state_dict())
print(f"loss {loss.item():.3f}")
