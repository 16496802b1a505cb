# source: https://github.com/pytorch/pytorch/issues/20089
import torch
import torch.nn as nn

torch.manual_seed(0)


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(10, dtype=torch.float64))  # cast the tensor, then wrap it
        self.linear = nn.Linear(10, 1).double()

    def forward(self, x):
        return self.linear(x * self.w)


model = Scaled()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 10, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
