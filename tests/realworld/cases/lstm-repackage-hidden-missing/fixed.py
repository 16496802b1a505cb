# source: https://github.com/quark0/darts/issues/56
import torch
from torch import nn


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


torch.manual_seed(0)
lstm = nn.LSTM(3, 5)
decoder = nn.Linear(5, 3)
params = list(lstm.parameters()) + list(decoder.parameters())
optimizer = torch.optim.SGD(params, lr=0.1)
data = torch.randn(12, 2, 3)
hidden = (torch.zeros(1, 2, 5), torch.zeros(1, 2, 5))
for i in range(0, 12 - 4, 4):
    inp, target = data[i:i + 4], data[i + 1:i + 5]
    hidden = repackage_hidden(hidden)
    output, hidden = lstm(inp, hidden)
    loss = ((decoder(output) - target) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
