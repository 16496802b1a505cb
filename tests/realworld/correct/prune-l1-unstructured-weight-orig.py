# source: https://github.com/jacobgil/pytorch-pruning/issues/41
# idiom: torch.nn.utils.prune keeps the mask as a buffer and trains weight_orig; the optimizer built before pruning still holds it
import torch
from torch import nn
from torch.nn.utils import prune

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
prune.l1_unstructured(model[0], name='weight', amount=0.5)
x, y = torch.randn(16, 6), torch.randint(0, 3, (16,))
for step in range(2):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
