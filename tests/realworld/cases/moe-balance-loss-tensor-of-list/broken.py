# source: https://github.com/laekov/fastmoe/issues/49
# symptom: the balance loss is not optimized (no error)
# expect: rewrap, constant_loss_term
import torch
from torch import nn

torch.manual_seed(0)
gates = nn.ModuleList([nn.Linear(4, 3) for _ in range(2)])
experts = nn.Linear(4, 4)
optimizer = torch.optim.Adam(list(gates.parameters()) + list(experts.parameters()), lr=1e-3)
x, y = torch.randn(6, 4), torch.randn(6, 4)
out, loss_list = 0, []
for gate in gates:
    probs = gate(x).softmax(-1)
    out = out + experts(x) * probs[:, :1]
    loss_list.append((probs.mean(0) ** 2).sum() * 3)  # load-balance loss of this layer
balance_loss = torch.tensor(loss_list).mean()
loss = ((out - y) ** 2).mean() + 0.01 * balance_loss
optimizer.zero_grad()
loss.backward()
optimizer.step()
