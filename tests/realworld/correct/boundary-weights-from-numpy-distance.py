# source: https://github.com/JunMa11/SegWithDistMap/issues/22
# idiom: per-pixel weights computed from the label map with numpy (a distance to the boundary): a constant factor of the loss (issue 31, pattern 3)
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Conv2d(1, 2, 3, padding=1)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
image, label = torch.rand(1, 1, 12, 12), (torch.rand(1, 12, 12) > 0.5).long()


def distance_to_boundary(mask):
    """City-block distance of each pixel to the nearest pixel of the other class (numpy, no gradient)."""
    ys, xs = np.nonzero(np.ones_like(mask))
    out = np.zeros(mask.shape, dtype=np.float32)
    for y, x in zip(ys, xs):
        diff = np.argwhere(mask != mask[y, x])
        out[y, x] = np.abs(diff - (y, x)).sum(1).min() if len(diff) else 0.0
    return out


weights = torch.from_numpy(1.0 + np.exp(-distance_to_boundary(label[0].numpy())))
per_pixel = nn.functional.cross_entropy(net(image), label, reduction='none')
loss = (per_pixel * weights).mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
