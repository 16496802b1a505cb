# source: https://github.com/kekmodel/FixMatch-pytorch/issues/11
# idiom: pseudo-labels and the confidence mask come from the model's own output under no_grad: constants, not parameters (issue 31, pattern 3)
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(5, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.03)
x_l, y_l = torch.randn(4, 5), torch.randint(0, 3, (4,))
u_weak, u_strong = torch.randn(8, 5), torch.randn(8, 5)
with torch.no_grad():
    pseudo_label = torch.softmax(model(u_weak), dim=-1)
    max_probs, targets_u = torch.max(pseudo_label, dim=-1)
    mask = max_probs.ge(0.4).float()
Lx = nn.functional.cross_entropy(model(x_l), y_l)
Lu = (nn.functional.cross_entropy(model(u_strong), targets_u, reduction='none') * mask).mean()
loss = Lx + 1.0 * Lu
optimizer.zero_grad()
loss.backward()
optimizer.step()
