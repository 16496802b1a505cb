# source: https://github.com/NVlabs/diff-dope/issues/1
# symptom: with the rgb and depth weights at 0, the object's pose gradients are all 0
# expect: non_differentiable, zero_gradient, constant_loss_term
import torch
import torch.nn as nn

torch.manual_seed(0)
grid = torch.stack(torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij"), dim=-1)


def render(position, log_size):
    """A soft blob: rgb, and a depth that grows with the distance from its centre."""
    d2 = ((grid - position) ** 2).sum(-1)
    return torch.exp(-d2 / (2 * log_size.exp() ** 2)), 5.0 + 0.01 * d2


class Object3D(nn.Module):
    def __init__(self):
        super().__init__()
        self.position = nn.Parameter(torch.tensor([6.0, 7.0]))
        self.log_size = nn.Parameter(torch.tensor(1.0))

    def forward(self):
        return render(self.position, self.log_size)


obj = Object3D()
optimizer = torch.optim.Adam(obj.parameters(), lr=0.1)
gt_rgb, _ = render(torch.tensor([8.0, 8.0]), torch.tensor(1.2))
gt_mask = (gt_rgb > 0.1).float()
weight_rgb, weight_depth, weight_mask = 0.0, 0.0, 1.0
for _step in range(3):
    optimizer.zero_grad()
    rgb, depth = obj()
    mask = (rgb > 0.1).float()
    loss = (
        weight_rgb * nn.functional.mse_loss(rgb, gt_rgb)
        + weight_depth * depth.mean()
        + weight_mask * nn.functional.mse_loss(mask, gt_mask)
    )
    loss.backward()
    optimizer.step()
print(f"position {obj.position.tolist()}")
