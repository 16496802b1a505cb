# source: https://github.com/open-mmlab/mmrotate/issues/205
# symptom: the box regression turns nan when a predicted centre lands exactly on its target
# expect: nan_gradient
import torch
import torch.nn as nn

torch.manual_seed(0)


class BoxHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        nn.init.zeros_(self.fc.weight)
        nn.init.zeros_(self.fc.bias)

    def forward(self, feats):
        return self.fc(feats)


model = BoxHead()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
feats = torch.randn(4, 4)
target_centers = torch.tensor([[0.0, 0.0], [1.0, 0.5], [-0.5, 0.2], [0.3, 0.3]])
for _step in range(3):
    optimizer.zero_grad()
    pred = model(feats)
    distance = torch.sqrt(((pred - target_centers) ** 2).sum(-1))
    loss = distance.mean()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
