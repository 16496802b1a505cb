# source: https://github.com/pytorch/pytorch/issues/140469
# symptom: ValueError: can't optimize a non-leaf Tensor
# expect: non_leaf_grad
import torch

torch.manual_seed(0)
# dataset distillation: learn a few synthetic images
image_syn = torch.randn(4, 1, 3, 3, dtype=torch.float, requires_grad=True) * 0.01
optimizer_img = torch.optim.SGD([image_syn], lr=0.1, momentum=0.5)
target = torch.randn(4, 1, 3, 3)
for step in range(2):
    optimizer_img.zero_grad()
    loss = ((image_syn - target) ** 2).mean()
    loss.backward()
    optimizer_img.step()
