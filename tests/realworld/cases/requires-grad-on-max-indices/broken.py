# source: https://github.com/pytorch/pytorch/issues/95110
# symptom: RuntimeError: only Tensors of floating point and complex dtype can require gradients
# expect: integer_dtype
import torch

torch.manual_seed(0)
scores = torch.randn(4, 3, requires_grad=True)
_, pred = torch.max(scores, 1)
pred.requires_grad = True
loss = (pred.float() - 1).pow(2).mean()
loss.backward()
