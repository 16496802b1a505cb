# source: https://github.com/pytorch/pytorch/issues/715
# symptom: only the classifier trains; the hidden layers kept in a list are not in parameters()
# expect: unregistered_module, not_in_optimizer
import torch
import torch.nn as nn

torch.manual_seed(0)
options = {"n_layers": 2, "n_hid": 8, "act": "Tanh"}


class SNLINet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hids = []
        for _li in range(options["n_layers"]):
            self.hids.append([nn.Linear(options["n_hid"], options["n_hid"]),
                              getattr(nn, options["act"])()])
        self.classifier = nn.Linear(options["n_hid"], 3)

    def forward(self, x):
        for linear, act in self.hids:
            x = act(linear(x))
        return self.classifier(x)


model = SNLINet()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
