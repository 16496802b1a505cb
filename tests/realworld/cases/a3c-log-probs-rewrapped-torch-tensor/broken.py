# source: https://github.com/Quantum-Cheese/DeepReinforcementLearning_Pytorch/issues/1
# symptom: torch.tensor([t[1] for t in self.memory]) loses the gradient of log_probs: the actor never trains, only the critic does (no error)
# expect: rewrap
import torch
from torch import nn
from torch.distributions import Categorical

torch.manual_seed(0)
actor = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
critic = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
optimizer = torch.optim.Adam([*actor.parameters(), *critic.parameters()], lr=1e-3)
memory = []
for t in range(5):
    state = torch.randn(4)
    dist = Categorical(logits=actor(state))
    action = dist.sample()
    memory.append((state, dist.log_prob(action), float(torch.rand(()))))

states = torch.stack([t[0] for t in memory])
log_probs = torch.tensor([t[1] for t in memory], dtype=torch.float)
returns = torch.tensor([t[2] for t in memory])
values = critic(states).squeeze(-1)
advantages = returns - values.detach()
loss = -(log_probs * advantages).mean() + 0.5 * (returns - values).pow(2).mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
