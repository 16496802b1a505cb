# source: https://github.com/PingoLH/FCHarDNet/issues/61
import torch
from torch import nn

torch.manual_seed(0)
conv = nn.Conv2d(2, 3, 3, bias=False)
bn = nn.BatchNorm2d(3)
cconv = nn.Conv2d(2, 3, 3)
# copying weights is not part of training: do it under no_grad
with torch.no_grad():
    W = conv.weight * (bn.weight / torch.sqrt(bn.running_var + bn.eps)).view(-1, 1, 1, 1)
    cconv.weight[:, :, :, :] = W[:, :, :, :]
    cconv.bias[:] = bn.bias - bn.running_mean * bn.weight / torch.sqrt(bn.running_var + bn.eps)
print(cconv(torch.randn(1, 2, 5, 5)).shape)
