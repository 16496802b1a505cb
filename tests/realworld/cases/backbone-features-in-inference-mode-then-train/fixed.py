# source: https://github.com/facebookresearch/dinov2/issues/472
import torch
from torch import nn

torch.manual_seed(0)
backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
depth_head = nn.Linear(4, 1)
optimizer = torch.optim.Adam(depth_head.parameters(), lr=1e-3)
images, depths = torch.randn(2, 3, 6, 6), torch.randn(2, 1)
with torch.no_grad():  # a frozen backbone: no_grad, not inference_mode
    feats = backbone(images)
pred = depth_head(feats)
loss = ((pred - depths) ** 2).mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
