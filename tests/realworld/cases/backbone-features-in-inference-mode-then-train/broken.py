# source: https://github.com/facebookresearch/dinov2/issues/472
# symptom: RuntimeError: Inference tensors cannot be saved for backward
# expect: inference_mode
import torch
from torch import nn

torch.manual_seed(0)
backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
depth_head = nn.Linear(4, 1)
optimizer = torch.optim.Adam(depth_head.parameters(), lr=1e-3)
images, depths = torch.randn(2, 3, 6, 6), torch.randn(2, 1)
with torch.inference_mode():  # copied from the notebook's inference cell
    feats = backbone(images)
pred = depth_head(feats)
loss = ((pred - depths) ** 2).mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
