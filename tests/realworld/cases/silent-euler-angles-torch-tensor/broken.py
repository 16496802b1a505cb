# source: https://codewithsundeep.com/discussion/solution/59387182
# symptom: the rotation matrix cannot differentiate the Euler angles: they have no gradient
# expect: rewrap
import torch
from torch import cos, sin

torch.manual_seed(0)
roll = torch.randn(1, requires_grad=True)
yaw = torch.randn(1, requires_grad=True)
pitch = torch.randn(1, requires_grad=True)
optimizer = torch.optim.SGD([roll, yaw, pitch], lr=0.1)
target = torch.tensor(0.2)

for _step in range(3):
    optimizer.zero_grad()
    RX = torch.tensor([[1, 0, 0],
                       [0, cos(roll), -sin(roll)],
                       [0, sin(roll), cos(roll)]], requires_grad=True)
    RY = torch.tensor([[cos(pitch), 0, sin(pitch)],
                       [0, 1, 0],
                       [-sin(pitch), 0, cos(pitch)]], requires_grad=True)
    RZ = torch.tensor([[cos(yaw), -sin(yaw), 0],
                       [sin(yaw), cos(yaw), 0],
                       [0, 0, 1]], requires_grad=True)
    R = torch.mm(RZ, RY).requires_grad_()
    R = torch.mm(R, RX).requires_grad_()
    loss = (R.mean() - target) ** 2
    loss.backward()
    optimizer.step()
print(f"roll {roll.item():.3f}")
