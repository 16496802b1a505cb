# source: https://github.com/lululxvi/deepxde/pull/1318
# symptom: TypeError: unsupported operand type(s) for *: 'float' and 'NoneType'
# expect: rewrap
import torch

a = torch.tensor([1.], requires_grad=True)
b = torch.tensor([2.], requires_grad=True)
ab = torch.as_tensor((a, b))
ab.requires_grad = True
ab.sum().backward()
print(f"a.grad = {a.grad}, b.grad = {b.grad}")
with torch.no_grad():
    a -= 0.1 * a.grad
