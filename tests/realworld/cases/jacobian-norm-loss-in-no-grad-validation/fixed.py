# source: https://github.com/pytorch/pytorch/issues/69217
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))


def loss_fn(x, y):
    x = x.clone().requires_grad_()
    out = model(x)
    jac = torch.autograd.grad(out.sum(), x, create_graph=True)[0]
    return ((out - y) ** 2).mean() + 0.1 * jac.norm()


x, y = torch.randn(4, 3), torch.randn(4, 1)
loss_fn(x, y).backward()
model.eval()
val_loss = loss_fn(x, y).detach()  # the loss itself needs autograd: no torch.no_grad() around it
print(val_loss.item())
