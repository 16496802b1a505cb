# source: https://stackoverflow.com/questions/64831567/what-is-the-equivalent-of-keras-nonneg-weight-constraint
# idiom: clamp in the forward as a constraint: negative weights get no gradient, on purpose
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class NonNegLinear(nn.Linear):
    def forward(self, input):
        return F.linear(input, self.weight.clamp(min=0.0), self.bias.clamp(min=0.0))


class Classifier(nn.Module):
    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.classify = NonNegLinear(in_dim, out_dim)

    def forward(self, h):
        return self.classify(h)


model = Classifier(6, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
h, y = torch.randn(16, 6), torch.randint(0, 3, (16,))
for _step in range(3):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(h), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
