# source: https://github.com/dragen1860/MAML-Pytorch/issues/23
# idiom: MAML fast weights built out of place from autograd.grad(create_graph=True); the meta loss trains the originals
import torch
import torch.nn.functional as F

torch.manual_seed(0)
w = torch.randn(3, 2, requires_grad=True)
b = torch.zeros(2, requires_grad=True)
meta_optim = torch.optim.Adam([w, b], lr=1e-3)
update_lr = 0.4
x_spt, y_spt = torch.randn(5, 3), torch.randint(0, 2, (5,))
x_qry, y_qry = torch.randn(5, 3), torch.randint(0, 2, (5,))
fast_weights = [w, b]
for k in range(2):
    loss = F.cross_entropy(x_spt @ fast_weights[0] + fast_weights[1], y_spt)
    grad = torch.autograd.grad(loss, fast_weights, create_graph=True)
    fast_weights = list(map(lambda p: p[1] - update_lr * p[0], zip(grad, fast_weights)))
loss_q = F.cross_entropy(x_qry @ fast_weights[0] + fast_weights[1], y_qry)
meta_optim.zero_grad()
loss_q.backward()
meta_optim.step()
