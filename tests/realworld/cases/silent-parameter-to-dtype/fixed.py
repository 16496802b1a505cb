# source: https://github.com/pytorch/pytorch/issues/127760
import torch
import torch.nn as nn

torch.manual_seed(0)


class Way1(nn.Module):
    def __init__(self, device, dtype):
        super().__init__()
        # create the tensor on its device and dtype first, then wrap it: wh stays a registered leaf
        self.wh = nn.Parameter(torch.zeros((5, 3), device=device, dtype=dtype))
        nn.init.xavier_normal_(self.wh)
        self.out = nn.Linear(3, 1, dtype=dtype)

    def forward(self, x):
        return self.out(torch.tanh(x @ self.wh))


model = Way1("cpu", torch.float64)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(8, 5, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
