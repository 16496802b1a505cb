# source: https://github.com/facebookresearch/open_lth/issues/6
# idiom: pruned weights stay zero: the weight is masked once and a hook masks its gradient, so only the kept weights train
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
masks = {}
for name, p in model.named_parameters():
    if name.endswith("weight"):
        masks[name] = (p.abs() >= p.abs().flatten().kthvalue(p.numel() // 2).values).float()
        with torch.no_grad():
            p.mul_(masks[name])
        p.register_hook(lambda grad, mask=masks[name]: grad * mask)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 10), torch.randint(0, 3, (32,))
for _ in range(3):
    loss = nn.functional.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
