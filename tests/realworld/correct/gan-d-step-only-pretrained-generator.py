# source: https://github.com/alterzero/DBPN-Pytorch/issues/37
# idiom: a script that only trains the discriminator on a fixed generator's output, detached, in a helper (issue 31, pattern 2)
import torch
from torch import nn

torch.manual_seed(0)
generator = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
discriminator = nn.Sequential(nn.Linear(8, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=1e-4)
bce = nn.BCEWithLogitsLoss()


def discriminator_step(real, fake):
    d_optimizer.zero_grad()
    loss = bce(discriminator(real), torch.ones(len(real), 1)) + bce(discriminator(fake.detach()), torch.zeros(len(fake), 1))
    loss.backward()
    d_optimizer.step()
    return loss.item()


for it in range(2):
    lr_input, hr_target = torch.randn(6, 4), torch.randn(6, 8)
    recon = generator(lr_input)
    discriminator_step(hr_target, recon)
