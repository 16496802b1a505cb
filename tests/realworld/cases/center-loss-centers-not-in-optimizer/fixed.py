# source: https://github.com/KaiyangZhou/pytorch-center-loss/issues/22
import torch
from torch import nn

torch.manual_seed(0)


class CenterLoss(nn.Module):
    """Center loss: pulls each feature towards the learned center of its class."""

    def __init__(self, num_classes=4, feat_dim=2):
        super().__init__()
        self.centers = nn.Parameter(torch.randn(num_classes, feat_dim))

    def forward(self, x, labels):
        return (x - self.centers[labels]).pow(2).sum(1).clamp(1e-12, 1e12).mean()


model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
classifier = nn.Linear(2, 4)
criterion_xent = nn.CrossEntropyLoss()
criterion_cent = CenterLoss(num_classes=4, feat_dim=2)
optimizer_model = torch.optim.SGD([*model.parameters(), *classifier.parameters()], lr=0.1)
optimizer_centloss = torch.optim.SGD(criterion_cent.parameters(), lr=0.5)  # the centers train
x, labels = torch.randn(16, 8), torch.randint(0, 4, (16,))
for _ in range(3):
    features = model(x)
    loss = criterion_xent(classifier(features), labels) + 0.1 * criterion_cent(features, labels)
    optimizer_model.zero_grad()
    optimizer_centloss.zero_grad()
    loss.backward()
    optimizer_model.step()
    optimizer_centloss.step()
