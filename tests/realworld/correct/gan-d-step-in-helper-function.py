# source: https://github.com/heykeetae/Self-Attention-GAN/issues/48
# idiom: the discriminator step lives in a helper and sees fake.detach(); the generator is stepped in its own helper (issue 31, pattern 2)
import torch
from torch import nn

torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 6))
netD = nn.Sequential(nn.Linear(6, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))


def d_loss(netD, real, fake):
    return nn.functional.relu(1.0 - netD(real)).mean() + nn.functional.relu(1.0 + netD(fake.detach())).mean()


def g_loss(netD, fake):
    return -netD(fake).mean()


real, z = torch.randn(8, 6), torch.randn(8, 4)
fake = netG(z)
optD.zero_grad()
d_loss(netD, real, fake).backward()
optD.step()
optG.zero_grad()
g_loss(netD, fake).backward()
optG.step()
