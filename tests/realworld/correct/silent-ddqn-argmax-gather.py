# source: https://github.com/sdpkjc/abcdrl/pull/11
# idiom: Double DQN: argmax picks the action, gather reads its value under no_grad
import copy

import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
model_t = copy.deepcopy(model)
model_t.requires_grad_(False)  # the target network is refreshed by copying, not trained
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
observations, next_observations = torch.randn(32, 4), torch.randn(32, 4)
actions, rewards, dones = torch.randint(0, 2, (32,)), torch.randn(32), torch.zeros(32)
gamma = 0.99
for _step in range(3):
    with torch.no_grad():
        _, target_argmax = model(next_observations).max(dim=1)
        target_max = model_t(next_observations).gather(1, target_argmax.unsqueeze(1)).squeeze()
        td_target = rewards + gamma * target_max * (1 - dones)
    old_val = model(observations).gather(1, actions.unsqueeze(1)).squeeze()
    loss = nn.functional.mse_loss(td_target, old_val)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
