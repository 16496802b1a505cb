# source: https://github.com/fastai/fastbook/blob/master/17_foundations.ipynb
# idiom: a from-scratch model keeps its layers in a plain list and is trained by a manual update loop, no optimizer (issue 31, pattern 4)
import torch

torch.manual_seed(0)


class Linear:
    def __init__(self, n_in, n_out):
        self.weight = (torch.randn(n_in, n_out) * 0.1).requires_grad_()
        self.bias = torch.zeros(n_out, requires_grad=True)

    def __call__(self, x):
        return x @ self.weight + self.bias


class Model:
    def __init__(self):
        self.layers = [Linear(4, 8), Linear(8, 1)]

    def __call__(self, x):
        x = self.layers[0](x).relu()
        return self.layers[1](x)


model = Model()
x, y = torch.randn(16, 4), torch.randn(16, 1)
lr = 0.1
for epoch in range(3):
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        for l in model.layers:
            l.weight -= lr * l.weight.grad
            l.bias -= lr * l.bias.grad
            l.weight.grad.zero_()
            l.bias.grad.zero_()
