# source: https://github.com/pytorch/pytorch/issues/1339
# symptom: AttributeError: 'NoneType' object has no attribute 'data'
# expect: non_differentiable
import torch
from torch import nn

torch.manual_seed(0)
first_model = nn.Linear(4, 3)
second_model = nn.Linear(1, 2)
x = torch.randn(5, 4)
target = torch.randint(0, 2, (5,))
y_p = first_model(x)
y_p = torch.max(y_p, 1)[1]  # argmax: the class index is passed on
out = second_model(y_p.float().unsqueeze(1))
loss = nn.functional.cross_entropy(out, target)
first_model.zero_grad()
second_model.zero_grad()
loss.backward()
for param in second_model.parameters():
    print("grad data:", param.grad.data.norm())
for param in first_model.parameters():
    print("grad data:", param.grad.data.norm())
