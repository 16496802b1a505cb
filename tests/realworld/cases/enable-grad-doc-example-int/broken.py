# source: https://github.com/pytorch/pytorch/issues/53466
# symptom: RuntimeError: Only Tensors of floating point and complex dtype can require gradients
# expect: integer_dtype
import torch

x = torch.tensor([1], requires_grad=True)
with torch.no_grad():
    with torch.enable_grad():
        y = x * 2
print(y.requires_grad)
y.backward()
print(x.grad)
