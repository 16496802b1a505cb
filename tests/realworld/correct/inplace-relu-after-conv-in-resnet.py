# source: https://github.com/pytorch/vision/issues/807
# idiom: nn.ReLU(inplace=True) right after a convolution and after the residual add, as torchvision does
import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 2, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(2)
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(2)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


torch.manual_seed(0)
block = BasicBlock()
block(torch.randn(2, 2, 4, 4)).sum().backward()
