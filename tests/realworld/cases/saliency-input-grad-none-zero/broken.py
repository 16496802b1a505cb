# source: https://github.com/yizt/Grad-CAM.pytorch/issues/27
# symptom: AttributeError: 'NoneType' object has no attribute 'zero_'
# expect: non_leaf_grad
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5))
img = torch.rand(1, 3, 6, 6)
inputs = img.requires_grad_()
inputs = (inputs - 0.5) / 0.25  # normalisation after requires_grad_: a new, non-leaf tensor
output = net(inputs)
output[0, output.argmax()].backward()
inputs.grad.zero_()
