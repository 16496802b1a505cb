# source: https://github.com/lululxvi/deepxde/pull/1318
import torch

a = torch.tensor([1.], requires_grad=True)
b = torch.tensor([2.], requires_grad=True)
ab = torch.stack((a, b))
ab.sum().backward()
print(f"a.grad = {a.grad}, b.grad = {b.grad}")
with torch.no_grad():
    a -= 0.1 * a.grad
