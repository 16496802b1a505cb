# source: https://discuss.pytorch.org/t/how-to-do-constrained-optimization-in-pytorch/60122/2
# idiom: projected gradient descent: clamp_ the parameters in place under no_grad after each step
import torch
import torch.nn as nn
from torch import optim

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
inputs, labels = torch.randn(16, 4), torch.randn(16, 1)
loss_fn = nn.MSELoss()
opt = optim.SGD(model.parameters(), lr=0.1)
for _i in range(3):
    out = model(inputs)
    loss = loss_fn(out, labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        for param in model.parameters():
            param.clamp_(-1, 1)
print(f"loss {loss.item():.3f}")
