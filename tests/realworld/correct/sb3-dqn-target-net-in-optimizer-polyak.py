# source: https://github.com/DLR-RM/stable-baselines3/issues/1946
# idiom: the optimizer is built from policy.parameters(), target network included; the target gets no gradient (its values come from no_grad) and moves only by the Polyak update
import copy

import torch
from torch import nn

torch.manual_seed(0)


class DQNPolicy(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_net = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
        self.q_net_target = copy.deepcopy(self.q_net)
        self.q_net_target.train(False)


policy = DQNPolicy()
optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
tau, gamma = 0.005, 0.99
obs, next_obs = torch.randn(16, 4), torch.randn(16, 4)
actions, rewards, dones = torch.randint(0, 2, (16, 1)), torch.randn(16, 1), torch.zeros(16, 1)
for _ in range(3):
    with torch.no_grad():
        next_q = policy.q_net_target(next_obs).max(dim=1, keepdim=True).values
        target_q = rewards + (1 - dones) * gamma * next_q
    current_q = torch.gather(policy.q_net(obs), dim=1, index=actions)
    loss = nn.functional.smooth_l1_loss(current_q, target_q)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    with torch.no_grad():  # polyak_update
        for param, target_param in zip(policy.q_net.parameters(), policy.q_net_target.parameters()):
            target_param.mul_(1 - tau).add_(param, alpha=tau)
