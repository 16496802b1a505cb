# source: https://github.com/pytorch/pytorch/issues/127760
# symptom: defining the weight with init_weight gives a higher loss: wh is never optimised
# expect: rebound_parameter, plain_tensor_attribute
import torch
import torch.nn as nn

torch.manual_seed(0)


class Way2(nn.Module):
    def __init__(self, device, dtype):
        super().__init__()
        self.device, self.dtype = device, dtype
        self.wh = self.init_weight((5, 3))
        self.out = nn.Linear(3, 1, dtype=dtype)

    def init_weight(self, shape):
        _para = nn.Parameter(torch.zeros(shape), requires_grad=True).to(self.device, self.dtype)
        nn.init.xavier_normal_(_para)
        return _para

    def forward(self, x):
        return self.out(torch.tanh(x @ self.wh))


model = Way2("cpu", torch.float64)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(8, 5, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
