# source: https://github.com/wangle53/CSA-CDGAN/issues/5
# symptom: the adversarial term uses pred_fake.detach(), so it cannot update anything: only the reconstruction term trains the generator (no error)
# expect: constant_loss_term, detach
import torch
from torch import nn

torch.manual_seed(0)
netg = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 6))
netd = nn.Sequential(nn.Linear(6, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1), nn.Sigmoid())
optimizer_g = torch.optim.Adam(netg.parameters(), lr=2e-4)
l_bce, l_con = nn.BCELoss(), nn.L1Loss()
x, gt = torch.randn(8, 6), torch.randn(8, 6)


def update_netg(x, gt):
    fake = netg(x)
    pred_fake = netd(fake).detach()
    err_g_adv = l_bce(pred_fake, torch.ones_like(pred_fake))
    err_g_con = l_con(fake, gt)
    err_g = err_g_adv + 50 * err_g_con
    optimizer_g.zero_grad()
    err_g.backward()
    optimizer_g.step()
    return err_g


print(update_netg(x, gt).item())
