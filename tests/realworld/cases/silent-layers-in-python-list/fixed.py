# source: https://github.com/pytorch/pytorch/issues/715
import torch
import torch.nn as nn

torch.manual_seed(0)
options = {"n_layers": 2, "n_hid": 8, "act": "Tanh"}


class SNLINet(nn.Module):
    def __init__(self):
        super().__init__()
        hids = []
        for _li in range(options["n_layers"]):
            hids.append(nn.Sequential(nn.Linear(options["n_hid"], options["n_hid"]),
                                      getattr(nn, options["act"])()))
        self.hids = nn.ModuleList(hids)  # registers every hidden layer
        self.classifier = nn.Linear(options["n_hid"], 3)

    def forward(self, x):
        for hid in self.hids:
            x = hid(x)
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
