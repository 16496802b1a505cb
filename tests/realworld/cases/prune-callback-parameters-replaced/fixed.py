# source: https://github.com/FasterAI-Labs/fasterai/pull/92
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 3))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(24, 6), torch.randint(0, 3, (24,))


def prune_channels(model, n_keep):
    """Structured prune: shrink the hidden layer, as torch-pruning does, with new Parameters."""
    keep = model[0].weight.norm(dim=1).argsort(descending=True)[:n_keep]
    model[0].weight = nn.Parameter(model[0].weight.detach()[keep])
    model[0].bias = nn.Parameter(model[0].bias.detach()[keep])
    model[0].out_features = n_keep
    model[2].weight = nn.Parameter(model[2].weight.detach()[:, keep])
    model[2].in_features = n_keep


for step in range(4):
    if step == 1:
        prune_channels(model, 8)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)  # point it at the live parameters
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
