# source: https://github.com/dragen1860/MAML-Pytorch/issues/40
import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)


class Learner(nn.Module):
    """A functional net: forward runs with the given weights (the fast weights) or its own."""

    def __init__(self):
        super().__init__()
        self.vars = nn.ParameterList([nn.Parameter(torch.randn(5, 8) * 0.3),
                                      nn.Parameter(torch.zeros(5))])

    def forward(self, x, weights=None):
        w, b = self.vars if weights is None else weights
        return F.linear(x, w, b)


net = Learner()
meta_optim = torch.optim.Adam(net.parameters(), lr=1e-3)
update_lr, update_step, task_num = 0.4, 1, 2  # one inner update: the loop below never runs
x_spt, y_spt = torch.randn(task_num, 5, 8), torch.randint(0, 5, (task_num, 5))
x_qry, y_qry = torch.randn(task_num, 15, 8), torch.randint(0, 5, (task_num, 15))

losses_q = [0 for _ in range(update_step + 1)]
for i in range(task_num):
    loss = F.cross_entropy(net(x_spt[i]), y_spt[i])
    grad = torch.autograd.grad(loss, net.parameters())
    fast_weights = [p - update_lr * g for g, p in zip(grad, net.parameters())]
    with torch.no_grad():  # the loss before the first update, for the log
        losses_q[0] += F.cross_entropy(net(x_qry[i], net.parameters()), y_qry[i])
    # the loss after the first update is the meta-loss when there is one update: keep its graph
    losses_q[1] += F.cross_entropy(net(x_qry[i], fast_weights), y_qry[i])
    for k in range(1, update_step):
        loss = F.cross_entropy(net(x_spt[i], fast_weights), y_spt[i])
        grad = torch.autograd.grad(loss, fast_weights)
        fast_weights = [p - update_lr * g for g, p in zip(grad, fast_weights)]
        losses_q[k + 1] += F.cross_entropy(net(x_qry[i], fast_weights), y_qry[i])

loss_q = losses_q[-1] / task_num  # with update_step == 1 this is the no_grad loss
meta_optim.zero_grad()
loss_q.backward()
meta_optim.step()
print(f"query loss {loss_q.item():.3f}")
