# source: https://github.com/fastai/fastai_old/issues/8
# symptom: TypeError: unsupported operand type(s) for *: 'NoneType' and 'float'
# expect: non_leaf_grad
import math

import torch

torch.manual_seed(0)
x = torch.randn(16, 784)
y = torch.randint(0, 10, (16,))
weights = torch.randn(784, 10, requires_grad=True) / math.sqrt(784)
bias = torch.zeros(10, requires_grad=True)
lr = 0.5
for epoch in range(2):
    pred = (x @ weights + bias).log_softmax(-1)
    loss = -pred[torch.arange(16), y].mean()
    loss.backward()
    with torch.no_grad():
        weights -= weights.grad * lr
        bias -= bias.grad * lr
        weights.grad.zero_()
        bias.grad.zero_()
