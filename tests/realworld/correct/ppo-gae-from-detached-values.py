# source: https://github.com/vietnh1009/Super-mario-bros-PPO-pytorch/issues/5
# idiom: old log-probs and values are detached to build GAE targets; the new values train through the value loss (issue 31, pattern 1)
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))  # 2 logits + 1 value
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
states, actions, rewards = torch.randn(6, 4), torch.randint(0, 2, (6,)), torch.randn(6)
out = model(states)
old_log_policies = torch.log_softmax(out[:, :2], -1).gather(1, actions[:, None]).squeeze(1).detach()
values = out[:, 2].detach()
gae, returns = 0.0, []
for t in reversed(range(6)):
    next_value = values[t + 1] if t + 1 < 6 else 0.0
    delta = rewards[t] + 0.9 * next_value - values[t]
    gae = delta + 0.9 * 0.95 * gae
    returns.insert(0, gae + values[t])
R = torch.stack(returns)
advantages = R - values
for epoch in range(2):
    out = model(states)
    new_log_policy = torch.log_softmax(out[:, :2], -1).gather(1, actions[:, None]).squeeze(1)
    ratio = torch.exp(new_log_policy - old_log_policies)
    actor_loss = -torch.min(ratio * advantages, torch.clamp(ratio, 0.8, 1.2) * advantages).mean()
    critic_loss = nn.functional.smooth_l1_loss(R, out[:, 2])
    optimizer.zero_grad()
    (actor_loss + critic_loss).backward()
    optimizer.step()
