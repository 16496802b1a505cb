# source: https://github.com/PatrickHua/SimSiam/issues/22
# idiom: SimSiam's stop-gradient: D(p, z) detaches z; the encoder still trains through the predictor branch of both views
import torch
from torch import nn
import torch.nn.functional as F

torch.manual_seed(0)
encoder = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 8))
predictor = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 8))
optimizer = torch.optim.SGD([*encoder.parameters(), *predictor.parameters()], lr=0.05)


def D(p, z):  # negative cosine similarity
    z = z.detach()  # stop gradient
    p = F.normalize(p, dim=1)
    z = F.normalize(z, dim=1)
    return -(p * z).sum(dim=1).mean()


x = torch.randn(8, 10)
x1, x2 = x + 0.1 * torch.randn_like(x), x + 0.1 * torch.randn_like(x)
z1, z2 = encoder(x1), encoder(x2)
p1, p2 = predictor(z1), predictor(z2)
L = D(p1, z2) / 2 + D(p2, z1) / 2
optimizer.zero_grad()
L.backward()
optimizer.step()
