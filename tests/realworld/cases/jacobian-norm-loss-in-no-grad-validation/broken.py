# source: https://github.com/pytorch/pytorch/issues/69217
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: no_grad
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
loss_fn(x, y).backward()  # training works
model.eval()
with torch.no_grad():
    val_loss = loss_fn(x, y)
print(val_loss.item())
