# source: https://github.com/openai/baselines/issues/92
# idiom: PPO's clipped surrogate: clamp is meant to stop the gradient outside [1 - eps, 1 + eps]
import torch
import torch.nn as nn

torch.manual_seed(0)
policy = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
optimizer = torch.optim.Adam(policy.parameters(), lr=3e-3)
obs, actions = torch.randn(32, 4), torch.randint(0, 3, (32,))
with torch.no_grad():
    old_logp = torch.log_softmax(policy(obs), -1).gather(1, actions[:, None]).squeeze(1)
atarg = torch.randn(32)
clip_param = 0.2

for _epoch in range(4):
    optimizer.zero_grad()
    logp = torch.log_softmax(policy(obs), -1).gather(1, actions[:, None]).squeeze(1)
    ratio = torch.exp(logp - old_logp)
    surr1 = ratio * atarg
    surr2 = torch.clamp(ratio, 1.0 - clip_param, 1.0 + clip_param) * atarg
    loss = -torch.min(surr1, surr2).mean()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
