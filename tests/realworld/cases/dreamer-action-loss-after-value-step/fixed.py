# source: https://github.com/cross32768/Dreamer_PyTorch/issues/2
import torch
from torch import nn
from torch.nn.utils import clip_grad_norm_

torch.manual_seed(0)
action_model = nn.Sequential(nn.Linear(8, 16), nn.ELU(), nn.Linear(16, 2))
value_model = nn.Sequential(nn.Linear(10, 16), nn.ELU(), nn.Linear(16, 1))
action_optimizer = torch.optim.Adam(action_model.parameters(), lr=8e-5)
value_optimizer = torch.optim.Adam(value_model.parameters(), lr=8e-5)

states = torch.randn(12, 8)
actions = torch.tanh(action_model(states))
imaginated_values = value_model(torch.cat([states, actions], -1))
lambda_target_values = 0.99 * imaginated_values + torch.randn(12, 1) * 0.1

# both backward passes first, then the steps: no weight changes under a graph still in use
value_loss = 0.5 * nn.functional.mse_loss(imaginated_values, lambda_target_values.detach())
value_optimizer.zero_grad()
value_loss.backward(retain_graph=True)
clip_grad_norm_(value_model.parameters(), 100)

action_loss = -1 * (lambda_target_values.mean())
action_optimizer.zero_grad()
action_loss.backward()
clip_grad_norm_(action_model.parameters(), 100)
value_optimizer.step()
action_optimizer.step()
