# source: https://github.com/alexhernandezgarcia/gflownet/pull/251
import torch
from torch import nn

torch.manual_seed(0)
n_actions, state_dim = 3, 5
policy = nn.Sequential(nn.Linear(state_dim, 32), nn.LeakyReLU(), nn.Linear(32, n_actions))
logZ = nn.Parameter(torch.zeros(1))
optimizer = torch.optim.Adam([{"params": policy.parameters(), "lr": 1e-3},
                              {"params": [logZ], "lr": 1e-1}])


def get_logprobs(policy_outputs, actions, mask):
    """Log-probabilities of the sampled actions, with the invalid ones masked out."""
    logits = policy_outputs.clone()  # keeps the policy in the graph
    logits[mask] = -float("inf")
    return torch.log_softmax(logits, dim=-1).gather(-1, actions[:, None]).squeeze(-1)


states = torch.randn(4, 6, state_dim)  # 4 trajectories of 6 steps
actions = torch.randint(0, 2, (4, 6))
mask = torch.zeros(4, 6, n_actions, dtype=torch.bool)
mask[..., 2] = True
log_reward = torch.randn(4)
for _ in range(3):
    logprobs_f = get_logprobs(policy(states), actions, mask).sum(-1)
    loss = (logZ + logprobs_f - log_reward).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
