# source: https://github.com/KanishJebaMathewM/Truxify/issues/13118
import torch
from torch import nn
from torch.func import functional_call

torch.manual_seed(0)
model = nn.Linear(3, 1)
meta_optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
inner_lr = 0.1


def inner_update(model, x, y):
    params = dict(model.named_parameters())
    loss = ((functional_call(model, params, (x,)) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
    # fast weights as new tensors: the graph back to model's parameters stays alive
    return {name: p - inner_lr * g for (name, p), g in zip(params.items(), grads)}


meta_optimizer.zero_grad()
meta_loss = 0
for task in range(2):
    support_x, support_y = torch.randn(4, 3), torch.randn(4, 1)
    query_x, query_y = torch.randn(4, 3), torch.randn(4, 1)
    fast_weights = inner_update(model, support_x, support_y)
    meta_loss = meta_loss + ((functional_call(model, fast_weights, (query_x,)) - query_y) ** 2).mean()
meta_loss.backward()
meta_optimizer.step()
print([p.grad for p in model.parameters()])
