# source: https://github.com/dpressel/dliss-tutorial/issues/1
# idiom: truncated backpropagation through time: the hidden state is carried over with h.detach()
import torch
from torch import nn

torch.manual_seed(0)
lstm = nn.LSTM(3, 5, batch_first=True)
out = nn.Linear(5, 3)
optimizer = torch.optim.Adam(list(lstm.parameters()) + list(out.parameters()), lr=1e-3)
data = torch.randn(2, 12, 3)
hidden = None
for t in range(0, 12 - 4, 4):
    if hidden is not None:
        hidden = tuple(h.detach() for h in hidden)
    y, hidden = lstm(data[:, t:t + 4], hidden)
    loss = ((out(y) - data[:, t + 1:t + 5]) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
