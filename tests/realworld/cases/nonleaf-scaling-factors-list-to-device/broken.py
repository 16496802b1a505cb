# source: https://github.com/vinsis/ternary-quantization/issues/4
# symptom: ValueError: can't optimize a non-leaf Tensor
# expect: non_leaf_grad
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2))
weights_to_be_quantized = [model[0].weight, model[1].weight]
dtype = torch.float64  # stands for .to(device) in the thread
scaling_factors = [torch.ones(2, requires_grad=True).to(dtype) for _ in range(len(weights_to_be_quantized))]
optimizer_sf = torch.optim.Adam(scaling_factors, lr=0.01)
x = torch.randn(5, 4)
optimizer_sf.zero_grad()
loss = sum((w.double() * sf[0]).pow(2).sum() for w, sf in zip(weights_to_be_quantized, scaling_factors))
loss.backward()
optimizer_sf.step()
