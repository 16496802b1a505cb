# source: https://blog.csdn.net/Tracy_yi/article/details/131764705
# symptom: AttributeError: 'NoneType' object has no attribute 'zero_'
# expect: rebound_parameter, non_leaf_grad
import torch

torch.manual_seed(0)
true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
features = torch.randn(20, 2)
labels = features @ true_w + true_b + 0.01 * torch.randn(20)
w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr, batch_size = 0.03, 10


def sgd(params, lr, batch_size):
    """Minibatch stochastic gradient descent."""
    for param in params:
        param = param - lr * param.grad / batch_size
        param.grad.zero_()


for X, y in zip(features.split(batch_size), labels.split(batch_size)):
    l = ((X @ w + b).reshape(-1) - y) ** 2 / 2
    l.sum().backward()
    sgd([w, b], lr, batch_size)
print(w, b)
