# source: https://github.com/Animadversio/GAN-Geometry/issues/4
import torch
from torch import nn

torch.manual_seed(0)
generator = nn.Sequential(nn.Linear(4, 6), nn.Tanh())
objective = nn.Linear(6, 3)
perturb_vecs = torch.randn(2, 4, requires_grad=True)
img = generator(perturb_vecs)
activs = objective(img)
ftgrad_both = torch.autograd.grad(activs.mean(), perturb_vecs, retain_graph=False, create_graph=False)[0]
print(ftgrad_both.shape)
