# source: https://github.com/pytorch/pytorch/issues/95110
import torch

torch.manual_seed(0)
scores = torch.randn(4, 3, requires_grad=True)
# the indices from torch.max are integers and cannot carry gradients; use the scores
probs = scores.softmax(1)
expected_class = (probs * torch.arange(3.0)).sum(1)
loss = (expected_class - 1).pow(2).mean()
loss.backward()
