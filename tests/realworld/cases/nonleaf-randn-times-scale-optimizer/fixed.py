# source: https://github.com/pytorch/pytorch/issues/140469
import torch

torch.manual_seed(0)
# scale first, then make the scaled tensor the leaf that the optimizer owns
image_syn = (torch.randn(4, 1, 3, 3, dtype=torch.float) * 0.01).requires_grad_()
optimizer_img = torch.optim.SGD([image_syn], lr=0.1, momentum=0.5)
target = torch.randn(4, 1, 3, 3)
for step in range(2):
    optimizer_img.zero_grad()
    loss = ((image_syn - target) ** 2).mean()
    loss.backward()
    optimizer_img.step()
