# source: https://github.com/hhsecond/HandsOnDeepLearningWithPytorch/issues/2
import torch

torch.manual_seed(0)
dtype = torch.float64
x = torch.randn(8, 10, dtype=dtype)
y = torch.randn(8, 4, dtype=dtype)
# dtype (and device) given at creation: the weights stay user-created leaves
w1 = torch.randn(10, 16, dtype=dtype, requires_grad=True)
w2 = torch.randn(16, 4, dtype=dtype, requires_grad=True)
lr = 0.01
for epoch in range(2):
    a2 = x.matmul(w1).sigmoid()
    hyp = a2.matmul(w2)
    loss = ((hyp - y) ** 2).mean()
    loss.backward()
    w1.data -= lr * w1.grad.data
    w2.data -= lr * w2.grad.data
    w1.grad.data.zero_()
    w2.grad.data.zero_()
