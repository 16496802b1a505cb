# source: https://github.com/boyu-ai/Hands-on-RL/issues/112
# idiom: DDPG's actor loss -critic(s, actor(s)) backpropagates into the critic too; only the actor's optimizer steps, and the critic's gradients are zeroed before its own step (issue 31, RL)
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
actor = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1), nn.Tanh())
critic = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
actor_optimizer = torch.optim.Adam(actor.parameters(), lr=1e-3)
critic_optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)

for step in range(3):
    states, actions = torch.randn(8, 3), torch.rand(8, 1) * 2 - 1
    rewards, next_states = torch.randn(8, 1), torch.randn(8, 3)
    with torch.no_grad():
        next_q = critic(torch.cat([next_states, actor(next_states)], 1))
    q_targets = rewards + 0.98 * next_q
    critic_loss = F.mse_loss(critic(torch.cat([states, actions], 1)), q_targets)
    critic_optimizer.zero_grad()
    critic_loss.backward()
    critic_optimizer.step()
    actor_loss = -critic(torch.cat([states, actor(states)], 1)).mean()
    actor_optimizer.zero_grad()
    actor_loss.backward()
    actor_optimizer.step()
print(f"actor loss {actor_loss.item():.3f}")
