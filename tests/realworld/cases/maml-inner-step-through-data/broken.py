# source: https://github.com/KanishJebaMathewM/Truxify/issues/13118
# symptom: the meta-model never trains: .grad of its parameters stays None (no error)
# expect: data_attribute
import copy

import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(3, 1)
meta_optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
inner_lr = 0.1


def inner_update(model, x, y):
    adapted_model = copy.deepcopy(model)
    loss = ((adapted_model(x) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, adapted_model.parameters(), create_graph=True)
    for param, grad in zip(adapted_model.parameters(), grads):
        param.data -= inner_lr * grad
    return adapted_model


meta_optimizer.zero_grad()
meta_loss = 0
for task in range(2):
    support_x, support_y = torch.randn(4, 3), torch.randn(4, 1)
    query_x, query_y = torch.randn(4, 3), torch.randn(4, 1)
    adapted = inner_update(model, support_x, support_y)
    meta_loss = meta_loss + ((adapted(query_x) - query_y) ** 2).mean()
meta_loss.backward()
meta_optimizer.step()
print([p.grad for p in model.parameters()])
