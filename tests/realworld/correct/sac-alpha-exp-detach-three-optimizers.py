# source: https://github.com/AI4Finance-Foundation/ElegantRL/issues/346
# idiom: SAC with a learned temperature: alpha = log_alpha.exp().detach() scales the actor's and the critic's losses, and only the alpha loss (on log_prob.detach()) trains log_alpha (issue 31, pattern 1)
import torch
from torch import nn

torch.manual_seed(0)
actor = nn.Linear(3, 2)
critic = nn.Linear(3 + 1, 1)
critic_target = nn.Linear(3 + 1, 1)
critic_target.load_state_dict(critic.state_dict())
log_alpha = torch.zeros(1, requires_grad=True)
actor_optim = torch.optim.Adam(actor.parameters(), lr=3e-4)
critic_optim = torch.optim.Adam(critic.parameters(), lr=3e-4)
alpha_optim = torch.optim.Adam([log_alpha], lr=3e-4)
target_entropy = -1.0
obs, next_obs = torch.randn(8, 3), torch.randn(8, 3)
action, reward = torch.rand(8, 1) * 2 - 1, torch.randn(8, 1)


def sample(states):
    mean, log_std = actor(states).chunk(2, -1)
    dist = torch.distributions.Normal(mean, log_std.clamp(-5, 2).exp())
    u = dist.rsample()
    a = torch.tanh(u)
    return a, (dist.log_prob(u) - torch.log(1 - a.pow(2) + 1e-6)).sum(-1, keepdim=True)


alpha = log_alpha.exp().detach()
with torch.no_grad():
    next_a, next_log_pi = sample(next_obs)
    q_target = reward + 0.99 * (critic_target(torch.cat([next_obs, next_a], -1))
                                - alpha * next_log_pi)
critic_loss = nn.functional.mse_loss(critic(torch.cat([obs, action], -1)), q_target)
critic_optim.zero_grad()
critic_loss.backward()
critic_optim.step()

a, log_pi = sample(obs)
actor_loss = (alpha * log_pi - critic(torch.cat([obs, a], -1))).mean()
actor_optim.zero_grad()
actor_loss.backward()
actor_optim.step()

alpha_loss = -(log_alpha.exp() * (log_pi + target_entropy).detach()).mean()
alpha_optim.zero_grad()
alpha_loss.backward()
alpha_optim.step()
