# source: https://codewithsundeep.com/discussion/solution/59387182
import torch
from torch import cos, sin

torch.manual_seed(0)
roll = torch.randn(1, requires_grad=True)
yaw = torch.randn(1, requires_grad=True)
pitch = torch.randn(1, requires_grad=True)
optimizer = torch.optim.SGD([roll, yaw, pitch], lr=0.1)
target = torch.tensor(0.2)
tensor_0 = torch.zeros(1)
tensor_1 = torch.ones(1)

for _step in range(3):
    optimizer.zero_grad()
    RX = torch.stack([
        torch.stack([tensor_1, tensor_0, tensor_0]),
        torch.stack([tensor_0, cos(roll), -sin(roll)]),
        torch.stack([tensor_0, sin(roll), cos(roll)])]).reshape(3, 3)
    RY = torch.stack([
        torch.stack([cos(pitch), tensor_0, sin(pitch)]),
        torch.stack([tensor_0, tensor_1, tensor_0]),
        torch.stack([-sin(pitch), tensor_0, cos(pitch)])]).reshape(3, 3)
    RZ = torch.stack([
        torch.stack([cos(yaw), -sin(yaw), tensor_0]),
        torch.stack([sin(yaw), cos(yaw), tensor_0]),
        torch.stack([tensor_0, tensor_0, tensor_1])]).reshape(3, 3)
    R = torch.mm(torch.mm(RZ, RY), RX)
    loss = (R.mean() - target) ** 2
    loss.backward()
    optimizer.step()
print(f"roll {roll.item():.3f}")
