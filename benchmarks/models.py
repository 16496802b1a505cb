"""The models the benchmarks measure: a 24-layer transformer and a ResNet-like stack."""

from __future__ import annotations

import torch
from torch import nn


def transformer(layers: int = 24) -> tuple[nn.Module, torch.Tensor]:
    """A `layers`-deep nn.TransformerEncoder (d_model 64) and a batch of 8 sequences of 32."""
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, dropout=0.0,
                                       batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=layers, enable_nested_tensor=False)
    return model, torch.randn(8, 32, 64)


class Block(nn.Module):
    """conv-bn-relu-conv-bn plus the skip connection."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(x + self.bn2(self.conv2(h)))


def resnet(blocks: int = 24) -> tuple[nn.Module, torch.Tensor]:
    """A stem and `blocks` residual blocks of 16 channels, with a batch of 4 images 16×16."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), *(Block(16) for _ in range(blocks)))
    return model, torch.randn(4, 3, 16, 16)
