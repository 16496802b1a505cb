# source: https://github.com/microsoft/nni/issues/4521
# symptom: the parameters are not updated when the pruned model is finetuned (no error)
# expect: not_in_optimizer
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
x, y = torch.randn(32, 8), torch.randint(0, 4, (32,))


def speedup(model, keep):
    """Replace the masked layers by smaller ones holding the kept rows and columns."""
    first, last = model[0], model[2]
    small_first = nn.Linear(8, len(keep))
    small_last = nn.Linear(len(keep), 4)
    with torch.no_grad():
        small_first.weight.copy_(first.weight[keep])
        small_first.bias.copy_(first.bias[keep])
        small_last.weight.copy_(last.weight[:, keep])
        small_last.bias.copy_(last.bias)
    model[0], model[2] = small_first, small_last


keep = model[0].weight.norm(dim=1).argsort(descending=True)[:10]
speedup(model, keep)
print('start finetuning...')
for epoch in range(3):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
