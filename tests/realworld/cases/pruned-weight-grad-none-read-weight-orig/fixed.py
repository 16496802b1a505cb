# source: https://github.com/pytorch/pytorch/issues/102245
import torch
from torch import nn
import torch.nn.utils.prune as prune

torch.manual_seed(0)


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3)
        self.conv2 = nn.Conv2d(2, 1, 3)

    def forward(self, x):
        return self.conv2(self.conv1(x))


model = LeNet()
prune.random_unstructured(model.conv1, name="weight", amount=0.3)
lossfn = nn.L1Loss()
x = torch.ones(1, 1, 12, 12, requires_grad=True)
z = torch.ones(1, 1, 8, 8)
loss = lossfn(z, model(x))
loss.backward()
# pruning made weight = weight_orig * weight_mask: the trained leaf is weight_orig
print(model.conv1.weight_orig.grad)
print(model.conv2.weight.grad.abs().sum())
