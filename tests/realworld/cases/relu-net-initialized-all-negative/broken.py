# source: https://ai.stackexchange.com/questions/10158/how-can-a-neural-network-learn-when-the-derivative-of-the-activation-function-is
# symptom: X * W + B < 0 for every input: the partial derivative of the loss with respect to W is always 0, the network learns nothing (no error)
# expect: zero_gradient
import torch
from torch import nn

torch.manual_seed(0)
hidden = nn.Linear(3, 6)
out = nn.Linear(6, 1)
with torch.no_grad():
    hidden.weight.uniform_(0.0, 0.1)
    hidden.bias.fill_(-5.0)  # with inputs in [0, 1], every pre-activation is negative
model = nn.Sequential(hidden, nn.ReLU(), out)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.rand(16, 3), torch.rand(16, 1)
for step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(hidden.weight.grad.abs().sum().item())
