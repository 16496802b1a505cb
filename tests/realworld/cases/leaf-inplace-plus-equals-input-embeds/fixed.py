# source: https://github.com/NVlabs/VILA/pull/199
import torch
from torch import nn

torch.manual_seed(0)
vision = nn.Linear(6, 4)
inputs_embeds = torch.randn(2, 5, 4, requires_grad=True)
image_embeds = vision(torch.randn(1, 6))
inputs_embeds = inputs_embeds + image_embeds.mean() * 0.0
loss = inputs_embeds.pow(2).mean()
loss.backward()
