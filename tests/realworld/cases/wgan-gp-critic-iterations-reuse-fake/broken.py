# source: https://github.com/KupynOrest/DeblurGAN/issues/56
# symptom: RuntimeError: Trying to backward through the graph a second time
# expect: double_backward
import torch
from torch import nn

torch.manual_seed(0)
netG = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4))
netD = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
optimizer_D = torch.optim.Adam(netD.parameters(), lr=1e-4)
real_A, real_B = torch.randn(5, 4), torch.randn(5, 4)
fake_B = netG(real_A)
for iter_d in range(2):  # critic iterations on the same fake batch
    optimizer_D.zero_grad()
    loss_D = netD(fake_B).mean() - netD(real_B).mean()
    loss_D.backward()
    optimizer_D.step()
