# source: https://github.com/albrateanu/LYT-Net/issues/16
# symptom: histogram_loss has no gradient; alone it raises, summed with the other terms it is silently constant
# expect: non_differentiable, constant_loss_term
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 3, 3, padding=1), nn.Sigmoid())
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
low, high = torch.rand(2, 3, 16, 16) * 0.3, torch.rand(2, 3, 16, 16)


def histogram_loss(y_true, y_pred, bins=32):
    hist_true = torch.histc(y_true, bins=bins, min=0.0, max=1.0)
    hist_pred = torch.histc(y_pred, bins=bins, min=0.0, max=1.0)
    hist_true = hist_true / hist_true.sum()
    hist_pred = hist_pred / hist_pred.sum()
    return torch.mean(torch.abs(hist_true - hist_pred))


pred = model(low)
loss = nn.functional.l1_loss(pred, high) + 0.05 * histogram_loss(high, pred)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print(f"loss {loss.item():.3f}")
