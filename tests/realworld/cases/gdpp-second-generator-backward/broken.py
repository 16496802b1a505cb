# source: https://github.com/facebookresearch/pytorch_GAN_zoo/issues/83
# symptom: RuntimeError: Trying to backward through the graph a second time
# expect: double_backward
import torch
from torch import nn

torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
netD = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
head = nn.Linear(8, 1)
optimizerG = torch.optim.Adam(netG.parameters(), lr=1e-3)
real = torch.randn(6, 4)
z = torch.randn(6, 3)
optimizerG.zero_grad()
predFakeG = netG(z)
phiGFake = netD(predFakeG)
lossGFake = -head(phiGFake).mean()
lossGFake.backward()
phiDReal = netD(real).detach()
lossGDPP = (phiGFake.mean(0) - phiDReal.mean(0)).pow(2).sum()
lossGDPP.backward()
optimizerG.step()
