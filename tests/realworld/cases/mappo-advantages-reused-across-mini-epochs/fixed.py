# source: https://github.com/hijkzzz/pymarl2/issues/46
import torch
from torch import nn

torch.manual_seed(0)
actor = nn.Linear(6, 3)
critic = nn.Linear(6, 1)
optimiser = torch.optim.Adam([*actor.parameters(), *critic.parameters()], lr=5e-4)
obs, actions, rewards = torch.randn(10, 6), torch.randint(0, 3, (10,)), torch.randn(10)
old_log_pi = torch.log_softmax(actor(obs), -1).gather(1, actions[:, None]).squeeze(1).detach()
mini_epochs = 2

# advantages computed once, outside the mini-epoch loop
advantages = (rewards - critic(obs).squeeze(-1)).detach()  # a target for the actor: no graph to reuse
for _ in range(mini_epochs):
    log_pi = torch.log_softmax(actor(obs), -1).gather(1, actions[:, None]).squeeze(1)
    ratios = torch.exp(log_pi - old_log_pi)
    surr1 = ratios * advantages
    surr2 = torch.clamp(ratios, 0.8, 1.2) * advantages
    pg_loss = -torch.min(surr1, surr2).mean()
    critic_loss = (rewards - critic(obs).squeeze(-1)).pow(2).mean()
    loss = pg_loss + 0.5 * critic_loss
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
