# source: https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix/issues/439
# idiom: the discriminator step uses fake.detach(), so the generator is not trained by the D loss
import torch
from torch import nn

torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
netD = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
optG = torch.optim.Adam(netG.parameters(), lr=1e-3)
optD = torch.optim.Adam(netD.parameters(), lr=1e-3)
bce = nn.BCEWithLogitsLoss()
real, z = torch.randn(6, 4), torch.randn(6, 3)
fake = netG(z)
optD.zero_grad()
loss_D = bce(netD(real), torch.ones(6, 1)) + bce(netD(fake.detach()), torch.zeros(6, 1))
loss_D.backward()
optD.step()
optG.zero_grad()
loss_G = bce(netD(fake), torch.ones(6, 1))
loss_G.backward()
optG.step()
