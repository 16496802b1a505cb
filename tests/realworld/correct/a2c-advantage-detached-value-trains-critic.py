# source: https://github.com/nikhilbarhate99/PPO-PyTorch/issues/29
# idiom: advantages = rewards - state_values.detach() for the actor; the critic trains through its own MSE term (issue 31, pattern 1)
import torch
from torch import nn
from torch.distributions import Categorical

torch.manual_seed(0)
trunk = nn.Sequential(nn.Linear(4, 16), nn.Tanh())
actor, value_head = nn.Linear(16, 2), nn.Linear(16, 1)
optimizer = torch.optim.Adam([*trunk.parameters(), *actor.parameters(), *value_head.parameters()], lr=1e-3)
states, rewards = torch.randn(8, 4), torch.randn(8)
features = trunk(states)
dist = Categorical(logits=actor(features))
actions = dist.sample()
state_values = value_head(features).squeeze(-1)
advantages = rewards - state_values.detach()
loss = -(dist.log_prob(actions) * advantages).mean() + 0.5 * nn.functional.mse_loss(state_values, rewards)
optimizer.zero_grad()
loss.backward()
optimizer.step()
