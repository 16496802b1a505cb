# source: https://github.com/pytorch/pytorch/issues/10729
import torch
import torch.nn as nn

torch.manual_seed(0)


class Gate(nn.Module):
    """exp(x) for x < 0, 1 otherwise."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return torch.exp(self.fc(x).clamp(max=0))  # clamp before exp: exp never overflows


model = Gate()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
x = torch.randn(8, 4) * 100
target = torch.rand(8, 4)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), target)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
