# source: https://github.com/WisconsinAIVision/MaskPoint/issues/7
# symptom: RuntimeError: grad can be implicitly created only for scalar outputs
# expect: non_scalar_loss
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
# DataParallel gathers one loss per GPU: a vector of two losses here
_loss = torch.stack([base_model(chunk) for chunk in points.chunk(2)])
optimizer.zero_grad()
_loss.backward()
optimizer.step()
