# source: https://github.com/v-mipeng/LexiconNER/issues/7
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(5, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
prior = 0.3


def compute_risk(scores, labels):
    pos = torch.sigmoid(scores[labels == 1]).mean()
    unl = torch.sigmoid(-scores[labels == 0]).mean()
    prisk = 1 - pos  # keep tensors: the risk is the loss
    nrisk = unl - prior * (1 - pos)
    return prior * prisk + torch.clamp(nrisk, min=0.0), prisk, nrisk


batch = torch.randn(8, 5)
labels = torch.tensor([1, 0, 1, 0, 0, 1, 0, 0])
optimizer.zero_grad()
risk, prisk, nrisk = compute_risk(model(batch).squeeze(1), labels)
(risk).backward()
optimizer.step()
