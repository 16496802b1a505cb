# source: https://github.com/tensorflow/tensorflow/pull/38467
# idiom: torch.where with a safe input: sqrt never sees the values its branch discards
import torch
import torch.nn as nn

torch.manual_seed(0)


class SignedSqrt(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)

    def forward(self, x):
        y = self.fc(x)
        safe = torch.where(y > 0, y, torch.ones_like(y))
        return torch.where(y > 0, torch.sqrt(safe), y)


model = SignedSqrt()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, target = torch.randn(8, 3), torch.randn(8, 4)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), target)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
