# source: https://github.com/pytorch/rl/issues/1187
# symptom: RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.
# expect: double_backward
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
    """Like TD3Loss.forward: one critic pass over the actor's and the buffer's actions."""
    with torch.no_grad():
        target = reward + 0.99 * qvalue(torch.cat([next_obs, actor(next_obs)], -1))
    both = torch.cat([torch.cat([obs, actor(obs)], -1), torch.cat([obs, action], -1)])
    q_actor, q_data = qvalue(both).chunk(2)
    return {"loss_actor": -q_actor.mean(), "loss_qvalue": (q_data - target).pow(2).mean()}


loss = td3_loss(obs, action, reward, next_obs)
actor_optim.zero_grad()
loss["loss_actor"].backward()
actor_optim.step()
qvalue_optim.zero_grad()
loss["loss_qvalue"].backward()
qvalue_optim.step()
