# source: https://discuss.pytorch.org/t/nan-gradient-for-torch-cos-torch-acos/9617
import torch
import torch.nn as nn

torch.manual_seed(0)


class AngularLayer(nn.Module):
    """y_ij = |x_i| * cos(2 * angle(x_i, w_j))"""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([[3.0, 1.0], [4.0, -2.0]]))

    def forward(self, x):
        xlen = x.pow(2).sum(1).pow(0.5).view(-1, 1)  # ||x||
        wlen = self.w.pow(2).sum(0).pow(0.5).view(1, -1)  # ||w||
        cos_theta = (x.mm(self.w) / xlen / wlen).clamp(-1, 1)
        cos_2_theta = 2 * cos_theta**2 - 1  # cos(2x) = 2cos(x)^2 - 1: no acos
        return cos_2_theta * xlen.view(-1, 1)


model = AngularLayer()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.tensor([[3.0, 4.0], [1.0, -1.0], [0.5, 2.0]])
target = torch.randn(3, 2)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), target)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
