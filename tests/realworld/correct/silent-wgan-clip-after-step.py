# source: https://github.com/znxlwm/pytorch-generative-model-collections/issues/31
# idiom: WGAN weight clipping through .data, in the critic, after the optimizer step
import torch
import torch.nn as nn

torch.manual_seed(0)
G = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
D = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1, bias=False))  # a bias cancels out
G_optimizer = torch.optim.RMSprop(G.parameters(), lr=5e-3)
D_optimizer = torch.optim.RMSprop(D.parameters(), lr=5e-3)
c = 0.5
for _step in range(3):
    x_, z_ = torch.randn(16, 2) + 2.0, torch.randn(16, 2)
    D_optimizer.zero_grad()
    D_loss = -torch.mean(D(x_)) + torch.mean(D(G(z_).detach()))
    D_loss.backward()
    D_optimizer.step()
    for p in D.parameters():  # clipping D
        p.data.clamp_(-c, c)

    G_optimizer.zero_grad()
    G_loss = -torch.mean(D(G(z_)))
    G_loss.backward()
    G_optimizer.step()
loss = G_loss
print(f"D {D_loss.item():.3f}, G {G_loss.item():.3f}")
