# source: https://github.com/NVlabs/VILA/pull/199
# symptom: RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
# expect: in_place
import torch
from torch import nn

torch.manual_seed(0)
vision = nn.Linear(6, 4)
# a text-only batch: the embeddings come back as a leaf that requires grad
inputs_embeds = torch.randn(2, 5, 4, requires_grad=True)
image_embeds = vision(torch.randn(1, 6))
inputs_embeds += image_embeds.mean() * 0.0  # keep the vision tower in the graph
loss = inputs_embeds.pow(2).mean()
loss.backward()
