# source: https://github.com/WisconsinAIVision/MaskPoint/issues/7
import torch
from torch import nn


class PointModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(3, 3)

    def forward(self, points):
        return ((self.net(points) - points) ** 2).mean()


torch.manual_seed(0)
base_model = PointModel()
optimizer = torch.optim.AdamW(base_model.parameters(), lr=1e-3)
points = torch.randn(2, 5, 3)
_loss = torch.stack([base_model(chunk) for chunk in points.chunk(2)])
_loss = _loss.mean()  # reduce the per-replica losses before backward
optimizer.zero_grad()
_loss.backward()
optimizer.step()
