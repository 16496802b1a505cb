# source: https://github.com/pytorch/pytorch/issues/51271
# symptom: the counts from .unique() in the custom loss give no gradient: that term never trains the model (no error on current torch)
# expect: non_differentiable, constant_loss_term
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 6)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x, target_ids = torch.randn(16, 4), torch.randint(0, 6, (16,))


def custom_loss(logits, target_ids):
    predicted = logits.argmax(dim=1)
    combined = torch.cat((predicted, target_ids))
    uniques, counts = combined.unique(return_counts=True)
    difference = uniques[counts == 1]
    return nn.functional.cross_entropy(logits, target_ids) + 0.1 * difference.numel() * counts.float().std()


loss = custom_loss(model(x), target_ids)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print(f"loss {loss.item():.3f}")
