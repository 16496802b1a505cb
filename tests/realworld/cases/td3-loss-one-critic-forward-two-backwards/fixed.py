# source: https://github.com/pytorch/rl/issues/1187
import torch
from torch import nn

torch.manual_seed(0)
actor = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1), nn.Tanh())
qvalue = nn.Sequential(nn.Linear(3 + 1, 16), nn.ReLU(), nn.Linear(16, 1))
actor_optim = torch.optim.Adam(actor.parameters(), lr=1e-3)
qvalue_optim = torch.optim.Adam(qvalue.parameters(), lr=1e-3)
obs, action = torch.randn(8, 3), torch.rand(8, 1) * 2 - 1
reward, next_obs = torch.randn(8, 1), torch.randn(8, 3)


def td3_loss(obs, action, reward, next_obs):
    """Each loss gets its own critic pass, so each backward frees only its own graph."""
    with torch.no_grad():
        target = reward + 0.99 * qvalue(torch.cat([next_obs, actor(next_obs)], -1))
    q_actor = qvalue(torch.cat([obs, actor(obs)], -1))
    q_data = qvalue(torch.cat([obs, action], -1))
    return {"loss_actor": -q_actor.mean(), "loss_qvalue": (q_data - target).pow(2).mean()}


loss = td3_loss(obs, action, reward, next_obs)
actor_optim.zero_grad()
loss["loss_actor"].backward()
actor_optim.step()
qvalue_optim.zero_grad()  # drops what the actor loss left in the critic's .grad
loss["loss_qvalue"].backward()
qvalue_optim.step()
