# source: https://github.com/facebookresearch/dlrm/pull/358
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)
np.random.seed(5)


def create_mlp(ln):
    layers = nn.ModuleList()
    for i in range(0, len(ln) - 1):
        n, m = ln[i], ln[i + 1]
        LL = nn.Linear(int(n), int(m), bias=True)
        W = np.random.normal(0.0, np.sqrt(2 / (m + n)), size=(m, n)).astype(np.float32)
        bt = np.zeros(m, dtype=np.float32)  # zero bias (Glorot): no unit starts switched off
        LL.weight.data = torch.tensor(W, requires_grad=True)
        LL.bias.data = torch.tensor(bt, requires_grad=True)
        layers.append(LL)
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class DLRM(nn.Module):
    def __init__(self):
        super().__init__()
        self.bot_l = create_mlp([4, 3, 1])
        self.emb = nn.EmbeddingBag(10, 1, mode="sum")
        self.top_l = nn.Linear(2, 1)

    def forward(self, dense_x, sparse_idx, offsets):
        z = torch.cat([self.bot_l(dense_x), self.emb(sparse_idx, offsets)], dim=1)
        return torch.sigmoid(self.top_l(z))


model = DLRM()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
dense_x = torch.rand(8, 4)
sparse_idx, offsets = torch.randint(0, 10, (8,)), torch.arange(8)
target = torch.randint(0, 2, (8, 1)).float()
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.binary_cross_entropy(model(dense_x, sparse_idx, offsets), target)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
