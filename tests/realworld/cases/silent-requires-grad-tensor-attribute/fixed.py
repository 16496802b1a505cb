# source: https://github.com/CWanli/RecoNet/issues/10
import torch
import torch.nn as nn

torch.manual_seed(0)


class TGMandTRM(nn.Module):
    """Rank-r reconstruction: a weighted sum of rank-one context tensors."""

    def __init__(self, channels=6, rank=3):
        super().__init__()
        self.rank = rank
        self.context = nn.Linear(channels, channels * rank)
        self.lam = torch.nn.Parameter(torch.ones(self.rank))

    def forward(self, x):  # x: (batch, channels)
        parts = self.context(x).view(x.shape[0], self.rank, -1)
        return (parts * self.lam.view(1, -1, 1)).sum(1)


model = TGMandTRM()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 6), torch.randn(8, 6)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"lam {model.lam.tolist()}")
