# source: https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix/issues/439
# idiom: a WGAN-GP gradient penalty: autograd.grad with create_graph=True, then one backward of the critic loss
import torch
from torch import nn

torch.manual_seed(0)
netD = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
optD = torch.optim.Adam(netD.parameters(), lr=1e-4)
real, fake = torch.randn(5, 4), torch.randn(5, 4)
alpha = torch.rand(5, 1)
interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
disc_interpolates = netD(interpolates)
gradients = torch.autograd.grad(outputs=disc_interpolates, inputs=interpolates,
                                grad_outputs=torch.ones_like(disc_interpolates),
                                create_graph=True, retain_graph=True)[0]
gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean() * 10.0
loss_D = netD(fake).mean() - netD(real).mean() + gradient_penalty
optD.zero_grad()
loss_D.backward()
optD.step()
