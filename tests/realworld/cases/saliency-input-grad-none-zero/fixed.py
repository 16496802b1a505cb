# source: https://github.com/yizt/Grad-CAM.pytorch/issues/27
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5))
img = torch.rand(1, 3, 6, 6)
inputs = ((img - 0.5) / 0.25).requires_grad_()  # normalise first: inputs is the leaf
output = net(inputs)
output[0, output.argmax()].backward()
inputs.grad.zero_()
