# source: https://github.com/MG2033/MobileNet-V2/issues/5
# symptom: RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation
# expect: in_place
import torch
from torch import nn


class InvertedResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.expand = nn.Linear(4, 8)
        self.gate = nn.Sigmoid()
        self.act = nn.ReLU6(inplace=True)
        self.project = nn.Linear(8, 4)

    def forward(self, x):
        h = self.gate(self.expand(x)) * 8
        return self.project(self.act(self.gate(h)))


torch.manual_seed(0)
block = InvertedResidual()
criterion = nn.MSELoss()
curloss = criterion(block(torch.randn(3, 4)), torch.randn(3, 4))
curloss.backward()
