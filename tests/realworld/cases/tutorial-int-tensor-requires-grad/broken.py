# source: https://github.com/yunjey/pytorch-tutorial/pull/128
# symptom: RuntimeError: Only Tensors of floating point and complex dtype can require gradients
# expect: integer_dtype
import torch

x = torch.tensor(1, requires_grad=True)
w = torch.tensor(2, requires_grad=True)
b = torch.tensor(3, requires_grad=True)
y = w * x + b
y.backward()
print(x.grad, w.grad, b.grad)
