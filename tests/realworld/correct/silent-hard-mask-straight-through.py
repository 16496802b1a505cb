# source: https://github.com/thomasverelst/dynconv/issues/3
# idiom: a hard 0/1 mask in the forward with the sigmoid's gradient in the backward
import torch
import torch.nn as nn

torch.manual_seed(0)


class MaskUnit(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.gate = nn.Conv2d(channels, 1, 1)
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x, gumbel_temp=1.0):
        soft = torch.sigmoid(self.gate(x) / gumbel_temp)
        hard = ((soft >= 0.5).float() - soft).detach() + soft
        return x + hard * self.conv(x)


model = MaskUnit(2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(2, 2, 6, 6), torch.randn(2, 2, 6, 6)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
