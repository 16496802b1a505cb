# source: https://github.com/cybertronai/autograd-hacks/issues/7
# symptom: RuntimeError: grad can be implicitly created only for scalar outputs
# expect: non_scalar_loss
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
data = torch.randn(5, 4)
output = model(data)  # the model outputs a vector per example
output.backward()
