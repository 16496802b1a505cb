# source: https://github.com/philtabor/Deep-Q-Learning-Paper-To-Code/issues/16
# idiom: the TD target comes from a target network under torch.no_grad(); only the online network trains
import copy

import torch
from torch import nn

torch.manual_seed(0)
q_net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
target_net = copy.deepcopy(q_net)
optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
gamma = 0.99
states, next_states = torch.randn(6, 4), torch.randn(6, 4)
actions, rewards = torch.randint(0, 2, (6, 1)), torch.randn(6, 1)
q_pred = q_net(states).gather(1, actions)
with torch.no_grad():
    q_next = target_net(next_states).max(1, keepdim=True)[0]
    q_target = rewards + gamma * q_next
loss = nn.functional.smooth_l1_loss(q_pred, q_target)
optimizer.zero_grad()
loss.backward()
optimizer.step()
