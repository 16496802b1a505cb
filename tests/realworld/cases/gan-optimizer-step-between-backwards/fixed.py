# source: https://github.com/leftthomas/SRGAN/issues/89
import torch
from torch import nn

torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 4))
netD = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Sigmoid())
optimizerG = torch.optim.Adam(netG.parameters(), lr=1e-3)
optimizerD = torch.optim.Adam(netD.parameters(), lr=1e-3)
real_img = torch.randn(6, 4)
z = torch.randn(6, 4)
fake_img = netG(z)
netD.zero_grad()
real_out = netD(real_img).mean()
fake_out = netD(fake_img).mean()
d_loss = 1 - real_out + fake_out
d_loss.backward(retain_graph=True)
netG.zero_grad()
g_loss = ((fake_img - real_img) ** 2).mean() + 1e-3 * (1 - fake_out)
g_loss.backward()
# both steps after both backward passes
optimizerD.step()
optimizerG.step()
