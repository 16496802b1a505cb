# source: https://github.com/cybertronai/autograd-hacks/issues/7
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
data = torch.randn(5, 4)
output = model(data)
output[:, 0].sum().backward()  # only the one scalar per example that is needed, summed
