# source: https://github.com/sgadgil6/cnslab_fmri/issues/4
import torch
from torch import nn


class fMRI_LSTM(nn.Module):
    def __init__(self, hidden_dim, input_dim):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.lstm = nn.LSTM(input_dim, hidden_dim, num_layers=1, batch_first=True)
        self.linear = nn.Linear(hidden_dim, 1)

    def forward(self, x):
        lstm_out, _ = self.lstm(x)  # no hidden state passed between batches
        return torch.sigmoid(self.linear(lstm_out[:, -1, :]))


torch.manual_seed(0)
model = fMRI_LSTM(hidden_dim=5, input_dim=3)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for batch in range(2):
    x, y = torch.randn(4, 6, 3), torch.randint(0, 2, (4, 1)).float()
    loss = nn.functional.binary_cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
