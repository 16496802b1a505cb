# source: https://github.com/PingoLH/FCHarDNet/issues/61
# symptom: RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
# expect: in_place
import torch
from torch import nn

torch.manual_seed(0)
# fusing a batch norm into a convolution before testing
conv = nn.Conv2d(2, 3, 3, bias=False)
bn = nn.BatchNorm2d(3)
cconv = nn.Conv2d(2, 3, 3)
W = conv.weight * (bn.weight / torch.sqrt(bn.running_var + bn.eps)).view(-1, 1, 1, 1)
cconv.weight[:, :, :, :] = W[:, :, :, :]
cconv.bias[:] = bn.bias - bn.running_mean * bn.weight / torch.sqrt(bn.running_var + bn.eps)
print(cconv(torch.randn(1, 2, 5, 5)).shape)
