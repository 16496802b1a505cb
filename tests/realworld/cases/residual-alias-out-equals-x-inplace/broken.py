# source: https://github.com/Jee-King/TSAN/issues/3
# symptom: RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation
# expect: in_place
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 3, 3, padding=1)
        self.conv2 = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        x = torch.sigmoid(self.conv1(x))
        out = x
        out += self.conv2(x)
        return out


torch.manual_seed(0)
model = Block()
y = model(torch.randn(1, 3, 4, 4))
y.mean().backward()
