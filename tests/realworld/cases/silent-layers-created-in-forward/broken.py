# source: https://discuss.pytorch.org/t/can-i-instantiate-layers-in-forward-function/105054
# symptom: layer2 and layer3 are new random layers on every forward; the optimizer never sees them
# expect: unregistered_module, not_in_optimizer
import torch
import torch.nn as nn

torch.manual_seed(0)


class MyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        out = self.layer1(x)

        self.layer2 = nn.Conv2d(4, 4, 3)
        self.layer3 = nn.Conv2d(4, 2, 3)
        out = self.layer2(out)
        out = self.layer3(out)
        return out


model = MyNet()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(2, 3, 8, 8), torch.randn(2, 2, 2, 2)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
