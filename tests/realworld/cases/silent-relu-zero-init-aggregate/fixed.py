# source: https://github.com/lucidrains/deep-cross-attention/issues/2
import torch
import torch.nn as nn

torch.manual_seed(0)


class GRN(nn.Module):
    """Mixes the hidden states of every layer with weights computed from the last one."""

    def __init__(self, dim, num_layers):
        super().__init__()
        linear = nn.Linear(dim, num_layers, bias=False)
        nn.init.normal_(linear.weight, std=1e-2)  # small init, not zero: ReLU(0) passes no gradient
        self.to_aggregate = nn.Sequential(nn.LayerNorm(dim), linear, nn.ReLU())

    def forward(self, hiddens):  # hiddens: (layers, batch, dim)
        weights = self.to_aggregate(hiddens[-1])  # (batch, layers)
        return torch.einsum("lbd,bl->bd", hiddens, weights)


class Net(nn.Module):
    def __init__(self, dim=8, depth=3):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(dim, dim) for _ in range(depth)])
        self.grn = GRN(dim, depth + 1)
        self.head = nn.Linear(dim, 1)

    def forward(self, x):
        hiddens = [x]
        for layer in self.layers:
            hiddens.append(torch.tanh(layer(hiddens[-1])))
        return self.head(self.grn(torch.stack(hiddens)))


model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(16, 8), torch.randn(16, 1)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
