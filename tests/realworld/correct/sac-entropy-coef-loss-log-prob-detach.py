# source: https://github.com/DLR-RM/stable-baselines3/issues/36
# idiom: log_prob feeds the actor loss and, detached, the entropy-coefficient loss; each optimizer steps its own tensor (issue 31, pattern 1)
import torch
from torch import nn

torch.manual_seed(0)
actor = nn.Linear(3, 2)
critic = nn.Linear(3 + 1, 1)
log_ent_coef = torch.zeros(1, requires_grad=True)
actor_optimizer = torch.optim.Adam(actor.parameters(), lr=3e-4)
ent_coef_optimizer = torch.optim.Adam([log_ent_coef], lr=3e-4)
target_entropy = -1.0
obs = torch.randn(8, 3)
mean, log_std = actor(obs).chunk(2, -1)
dist = torch.distributions.Normal(mean, log_std.clamp(-5, 2).exp())
action = dist.rsample()
log_prob = dist.log_prob(action).sum(-1)
ent_coef = torch.exp(log_ent_coef.detach())
ent_coef_loss = -(log_ent_coef * (log_prob.detach() + target_entropy)).mean()
ent_coef_optimizer.zero_grad()
ent_coef_loss.backward()
ent_coef_optimizer.step()
q_value = critic(torch.cat([obs, action], -1)).squeeze(-1)
actor_loss = (ent_coef * log_prob - q_value).mean()
actor_optimizer.zero_grad()
actor_loss.backward()
actor_optimizer.step()
