# source: https://github.com/swz30/MPRNet/issues/108
# symptom: AttributeError: 'numpy.float32' object has no attribute 'backward'
# expect: numpy_roundtrip
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Conv2d(3, 3, 3, padding=1)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-4)


def charbonnier_loss(x, y, eps=1e-3):
    diff = x.detach().cpu().numpy() - y.cpu().numpy()
    return np.mean(np.sqrt(diff * diff + eps * eps))


input_ = torch.randn(1, 3, 4, 4)
target = torch.randn(1, 3, 4, 4)
optimizer.zero_grad()
restored = model(input_)
loss = charbonnier_loss(restored, target)
loss.backward()
optimizer.step()
