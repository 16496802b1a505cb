# source: https://github.com/SimonThomine/RememberingNormality/issues/7
import torch
import torch.nn as nn

torch.manual_seed(0)


class NormalityMemory(nn.Module):
    def __init__(self, L=4, channel=8):
        super().__init__()
        self.keys = nn.Parameter(torch.randn(L, channel))
        self.values = nn.Parameter(torch.randn(L, channel))
        self.proj = nn.Linear(channel, channel)

    def forward(self, feats):  # feats: (batch, channel)
        attn = torch.softmax(self.proj(feats) @ self.keys.t(), dim=-1)
        return attn @ self.values


model = NormalityMemory()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
feats = torch.randn(16, 8)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(feats), feats)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
