# source: https://github.com/roboflow/rf-detr/issues/461
import torch
from torch import nn


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.patch = nn.Linear(4, 4)
        self.cached_pos = None

    def forward(self, x):
        if self.cached_pos is None:
            self.cached_pos = torch.linspace(0, 1, x.shape[1]).unsqueeze(-1).expand(-1, 4).clone()
        return self.patch(x) * self.cached_pos


torch.manual_seed(0)
model = Embeddings()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
with torch.no_grad():  # no_grad tensors can still be saved for a later backward
    model(torch.randn(1, 3, 4))
optimizer.zero_grad()
loss = model(torch.randn(2, 3, 4)).pow(2).mean()
loss.backward()
optimizer.step()
