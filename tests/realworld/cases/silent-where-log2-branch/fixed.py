# source: https://github.com/pytorch/pytorch/issues/108618
import torch
import torch.nn as nn

torch.manual_seed(0)


class Compress(nn.Module):
    """log2 for large activations, linear for small ones."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.tensor([0.0, 2.0, 3.0]))

    def forward(self, x):
        w = self.weight * x
        safe = torch.where(w > 2, w, torch.ones_like(w))  # log2 never sees a 0
        return torch.where(w > 2, torch.log2(safe), 2 * w)


model = Compress()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.ones(3)
for _step in range(3):
    optimizer.zero_grad()
    loss = model(x).sum()
    loss.backward()
    optimizer.step()
print(f"weight {model.weight.tolist()}")
