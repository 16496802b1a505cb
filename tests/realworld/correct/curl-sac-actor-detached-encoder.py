# source: https://github.com/MishaLaskin/rad/issues/4
# idiom: the actor reads the shared encoder through .detach(); the encoder trains through the critic's loss only (issue 31, pattern 1)
import torch
from torch import nn

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(12, 16), nn.ReLU())
critic = nn.Linear(16 + 2, 1)
actor = nn.Linear(16, 2)
critic_optimizer = torch.optim.Adam([*encoder.parameters(), *critic.parameters()], lr=1e-3)
actor_optimizer = torch.optim.Adam(actor.parameters(), lr=1e-3)
obs, action, target_q = torch.randn(8, 12), torch.rand(8, 2) * 2 - 1, torch.randn(8, 1)

# critic update: the encoder is trained here
h = encoder(obs)
critic_loss = nn.functional.mse_loss(critic(torch.cat([h, action], -1)), target_q)
critic_optimizer.zero_grad()
critic_loss.backward()
critic_optimizer.step()

# actor update: detach_encoder=True, so the actor's loss leaves the encoder alone
h = encoder(obs).detach()
pi = torch.tanh(actor(h))
actor_loss = -critic(torch.cat([h, pi], -1)).mean()
actor_optimizer.zero_grad()
actor_loss.backward()
actor_optimizer.step()
