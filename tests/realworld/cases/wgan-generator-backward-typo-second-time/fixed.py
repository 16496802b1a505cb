# source: https://github.com/eriklindernoren/PyTorch-GAN/issues/6
import torch
from torch import nn

torch.manual_seed(0)
generator = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
discriminator = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
optimizer_G = torch.optim.RMSprop(generator.parameters(), lr=5e-5)
optimizer_D = torch.optim.RMSprop(discriminator.parameters(), lr=5e-5)
real_imgs = torch.randn(6, 4)
z = torch.randn(6, 3)
optimizer_D.zero_grad()
fake_imgs = generator(z).detach()
loss_D = -torch.mean(discriminator(real_imgs)) + torch.mean(discriminator(fake_imgs))
loss_D.backward()
optimizer_D.step()
optimizer_G.zero_grad()
gen_imgs = generator(z)
gen_validity = discriminator(gen_imgs)
loss_G = -torch.mean(gen_validity)
loss_G.backward()
optimizer_G.step()
