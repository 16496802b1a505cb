# source: https://discuss.pytorch.org/t/positive-weights/19701
# symptom: the clamp, moved before backward, silently changes the first layer's gradient
# expect: data_attribute, in_place
import torch
import torch.nn as nn

torch.manual_seed(0)
x = torch.arange(10.0).view(-1, 1) / 10
y = 3 * x


class NN_Linear_Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(1, 4)
        self.lm = nn.Linear(4, 1)

    def forward(self, X):
        return self.lm(torch.tanh(self.hidden(X)))


mdl = NN_Linear_Model()
loss_fn = nn.MSELoss()
optimizer = torch.optim.SGD(mdl.parameters(), lr=0.1)
for _i in range(3):
    optimizer.zero_grad()
    y_pred = mdl(x)
    loss = loss_fn(y_pred, y)
    for p in mdl.parameters():
        p.data.clamp_(0)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
