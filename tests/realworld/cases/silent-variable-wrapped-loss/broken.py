# source: https://github.com/speechbrain/speechbrain/issues/735
# symptom: after wrapping the loss in Variable(loss, requires_grad=True) the model stops learning
# expect: rewrap, constant_loss_term
import torch
import torch.nn as nn
from torch.autograd import Variable

torch.manual_seed(0)


class Brain(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 4))

    def compute_forward(self, feats):
        return {"predict": self.model(feats)}

    def compute_objectives(self, predictions, targets):
        loss = nn.functional.cross_entropy(predictions["predict"], targets)
        loss = Variable(loss, requires_grad=True)
        return loss


brain = Brain()
optimizer = torch.optim.Adam(brain.parameters(), lr=1e-3)
feats, targets = torch.randn(8, 20), torch.randint(0, 4, (8,))
for _step in range(3):
    optimizer.zero_grad()
    loss = brain.compute_objectives(brain.compute_forward(feats), targets)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
