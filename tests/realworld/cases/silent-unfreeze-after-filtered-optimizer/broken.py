# source: https://github.com/fastai/fastai/issues/2133
# symptom: after unfreezing, the body gets gradients but never changes
# expect: not_in_optimizer
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
body = model[:4]
for p in body.parameters():  # freeze: train the head first
    p.requires_grad = False
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1)
x, y = torch.randn(16, 6), torch.randint(0, 2, (16,))


def fit(steps):
    for _step in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    return loss


fit(1)
for p in body.parameters():  # unfreeze the whole model
    p.requires_grad = True
loss = fit(2)
print(f"loss {loss.item():.3f}")
