# source: https://github.com/nikhilsinghmus/image2reverb/issues/37
# symptom: fake_spec.detach() in the generator step cuts G_loss1 from the generator: the discriminator dominates very early in training (no error)
# expect: detach
import torch
from torch import nn

torch.manual_seed(0)
g = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 8))
d = nn.Sequential(nn.Linear(8, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
opt_g = torch.optim.Adam(g.parameters(), lr=4e-4)
opt_d = torch.optim.Adam(d.parameters(), lr=2e-4)
z, spec = torch.randn(6, 4), torch.randn(6, 8)


def training_step(optimizer_idx):
    fake_spec = g(z)
    if optimizer_idx == 0:
        d_fake2 = d(fake_spec.detach())
        G_loss1 = nn.functional.mse_loss(d_fake2, torch.ones(d_fake2.shape))
        G_loss2 = nn.functional.l1_loss(fake_spec, spec)
        return G_loss1 + 100 * G_loss2
    d_real = d(spec)
    d_fake = d(fake_spec.detach())
    return 0.5 * (nn.functional.mse_loss(d_real, torch.ones(d_real.shape))
                  + nn.functional.mse_loss(d_fake, torch.zeros(d_fake.shape)))


for optimizer_idx, opt in enumerate((opt_g, opt_d)):
    opt.zero_grad()
    loss = training_step(optimizer_idx)
    loss.backward()
    opt.step()
