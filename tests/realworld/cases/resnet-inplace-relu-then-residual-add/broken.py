# source: https://github.com/pytorch/vision/issues/807
# symptom: RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation
# expect: in_place
import torch
from torch import nn


class PreActBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 2, 3, padding=1)
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        identity = x
        out = self.conv1(x)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.relu(out)
        out += identity
        return out


torch.manual_seed(0)
block = PreActBlock()
block(torch.randn(1, 2, 4, 4)).sum().backward()
