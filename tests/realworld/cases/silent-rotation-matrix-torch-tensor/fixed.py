# source: https://rubsky.top/post/tensor%E5%92%8Cstack%E5%9C%A8%E6%B1%82%E5%AF%BC%E6%97%B6%E7%9A%84%E5%8C%BA%E5%88%AB/
import torch

torch.manual_seed(0)
theta = torch.tensor(0.5 * torch.pi / 2, requires_grad=True)
optimizer = torch.optim.Adam([theta], lr=0.05)
points = torch.randn(10, 2)
true_angle = torch.tensor(1.0)
true_R = torch.stack([
    torch.stack([true_angle.cos(), -true_angle.sin()]),
    torch.stack([true_angle.sin(), true_angle.cos()]),
])
target = points @ true_R.T

for _step in range(3):
    optimizer.zero_grad()
    R = torch.stack([torch.stack([torch.cos(theta), -torch.sin(theta)]),
                     torch.stack([torch.sin(theta), torch.cos(theta)])])
    loss = ((points @ R.T - target) ** 2).mean()
    loss.backward()
    optimizer.step()
print(f"theta {theta.item():.3f}")
