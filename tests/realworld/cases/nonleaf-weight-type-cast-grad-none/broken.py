# source: https://github.com/hhsecond/HandsOnDeepLearningWithPytorch/issues/2
# symptom: AttributeError: 'NoneType' object has no attribute 'data'
# expect: non_leaf_grad
import torch

torch.manual_seed(0)
dtype = torch.DoubleTensor  # torch.cuda.FloatTensor in the thread
x = torch.randn(8, 10).type(dtype)
y = torch.randn(8, 4).type(dtype)
w1 = torch.randn(10, 16, requires_grad=True).type(dtype)
w2 = torch.randn(16, 4, requires_grad=True).type(dtype)
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
