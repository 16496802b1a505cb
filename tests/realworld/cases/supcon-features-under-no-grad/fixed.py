# source: https://github.com/hangyu94/Ada-CM/issues/8
import torch
from torch import nn

torch.manual_seed(0)


class Net(nn.Module):
    """A backbone with a classifier and a projection head for the contrastive loss."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(10, 32), nn.ReLU())
        self.fc = nn.Linear(32, 7)
        self.proj = nn.Linear(32, 16)

    def forward(self, x):
        h = self.body(x)
        return self.fc(h), nn.functional.normalize(self.proj(h), dim=1)


def simclr_loss(features, temperature=0.07):
    """NT-Xent over the two views of each sample: features is [n, 2, d]."""
    n = features.shape[0]
    z = torch.cat(features.unbind(1))
    sim = z @ z.T / temperature
    sim = sim.masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return nn.functional.cross_entropy(sim, targets)


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
inputs_x, targets_x = torch.randn(8, 10), torch.randint(0, 7, (8,))
inputs_u, inputs_u2, inputs_strong = torch.randn(8, 10), torch.randn(8, 10), torch.randn(8, 10)
threshold = 0.2
for _ in range(2):
    # the features keep their graph; only the pseudo-labels are taken without one
    outputs_u, feature_u = model(inputs_u)
    outputs_u2, feature_u2 = model(inputs_u2)
    p = (torch.softmax(outputs_u, dim=1) + torch.softmax(outputs_u2, dim=1)).detach() / 2
    max_probs, max_idx = torch.max(p, dim=1)
    mask = max_probs.ge(threshold).float()
    keep = mask == 0
    features_prob = torch.cat([feature_u[keep].unsqueeze(1), feature_u2[keep].unsqueeze(1)], dim=1)
    output_x, _ = model(inputs_x)
    Lx = nn.functional.cross_entropy(output_x, targets_x)
    Ls = simclr_loss(features_prob)
    output_strong, _ = model(inputs_strong)
    Lu = (nn.functional.cross_entropy(output_strong, max_idx, reduction="none") * mask).mean()
    loss = Lx * 0.5 + Lu + Ls * 0.1
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
