# source: https://github.com/jmtomczak/intro_dgm/issues/6
# symptom: the reverse-diffusion networks in p_dnns are never optimised; only decoder_net learns
# expect: unregistered_module, not_in_optimizer
import torch
import torch.nn as nn

torch.manual_seed(0)
D, M, T = 6, 16, 2


class DDGM(nn.Module):
    def __init__(self, p_dnns, decoder_net, beta):
        super().__init__()
        self.p_dnns = p_dnns
        self.decoder_net = decoder_net
        self.beta = beta

    def forward(self, x):
        zs = [torch.sqrt(1.0 - self.beta) * x + torch.sqrt(self.beta) * torch.randn_like(x)]
        for _ in range(1, T):
            noise = torch.sqrt(self.beta) * torch.randn_like(x)
            zs.append(torch.sqrt(1.0 - self.beta) * zs[-1] + noise)
        loss = 0.0
        for i in range(T - 1):  # each reverse step predicts the previous latent
            loss = loss + ((self.p_dnns[i](zs[i + 1]) - zs[i]) ** 2).mean()
        return loss + ((self.decoder_net(zs[0]) - x) ** 2).mean()


p_dnns = [nn.Sequential(nn.Linear(D, M), nn.LeakyReLU(), nn.Linear(M, D)) for _ in range(T - 1)]
decoder_net = nn.Sequential(nn.Linear(D, M), nn.LeakyReLU(), nn.Linear(M, D))
model = DDGM(p_dnns, decoder_net, beta=torch.tensor(0.1))
optimizer = torch.optim.Adamax(model.parameters(), lr=1e-2)
x = torch.randn(32, D)
for _step in range(3):
    optimizer.zero_grad()
    loss = model(x)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
