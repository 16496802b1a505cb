# source: https://mlkatas.com/kata/23
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: rebound_parameter, no_grad
import torch

torch.manual_seed(0)
w = torch.tensor(5.0, requires_grad=True)
lr = 0.1
for step in range(3):
    loss = (w - 3) ** 2
    loss.backward()
    with torch.no_grad():
        w = w - lr * w.grad
print(w.item())
