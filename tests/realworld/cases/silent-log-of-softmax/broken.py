# source: https://github.com/pytorch/pytorch/issues/1620
# symptom: the first loss is finite but its gradient is nan; with nn.LogSoftmax it is fine
# expect: nan_gradient
import torch
from torch import nn, optim

torch.manual_seed(0)
sm = nn.Softmax(dim=1)
crit = nn.NLLLoss()
model = nn.Linear(3, 3, bias=False)
optimizer = optim.SGD(model.parameters(), lr=0.01)
data = torch.tensor([[0.0, 80.0, -80.0]])
target = torch.tensor([1])

for _i in range(3):
    optimizer.zero_grad()
    loss = crit(torch.log(sm(model(data))), target)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
