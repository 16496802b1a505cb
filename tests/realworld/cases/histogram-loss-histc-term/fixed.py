# source: https://github.com/albrateanu/LYT-Net/issues/16
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1), nn.Sigmoid())
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
low, high = torch.rand(2, 3, 16, 16) * 0.3, torch.rand(2, 3, 16, 16)


def soft_histogram(x, bins=32, sigma=0.02):
    """Gaussian soft binning: each value votes for nearby bins, so the histogram has a gradient."""
    centers = (torch.arange(bins, dtype=x.dtype) + 0.5) / bins
    votes = torch.exp(-0.5 * ((x.reshape(-1, 1) - centers) / sigma) ** 2)
    hist = votes.sum(0)
    return hist / hist.sum()


def histogram_loss(y_true, y_pred, bins=32):
    return torch.mean(torch.abs(soft_histogram(y_true, bins) - soft_histogram(y_pred, bins)))


pred = model(low)
loss = nn.functional.l1_loss(pred, high) + 0.05 * histogram_loss(high, pred)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print(f"loss {loss.item():.3f}")
