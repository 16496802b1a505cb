# source: https://mlkatas.com/kata/23
import torch

torch.manual_seed(0)
w = torch.tensor(5.0, requires_grad=True)
lr = 0.1
for step in range(3):
    loss = (w - 3) ** 2
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad  # in place: the same leaf keeps requires_grad
    w.grad.zero_()
print(w.item())
