# source: https://github.com/shenweichen/DeepCTR-Torch/issues/93
# symptom: Dice's alpha stays fixed at its initial value during training
# expect: plain_tensor_attribute
import torch
import torch.nn as nn

torch.manual_seed(0)


class Dice(nn.Module):
    """The data adaptive activation function in DIN."""

    def __init__(self, emb_size, epsilon=1e-8):
        super().__init__()
        self.bn = nn.BatchNorm1d(emb_size, eps=epsilon)
        self.sigmoid = nn.Sigmoid()
        self.alpha = torch.zeros((emb_size,))

    def forward(self, x):
        x_p = self.sigmoid(self.bn(x))
        return self.alpha * (1 - x_p) * x + x_p * x


model = nn.Sequential(nn.Linear(5, 4), Dice(4), nn.Linear(4, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(16, 5), torch.randn(16, 1)
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"alpha {model[1].alpha.tolist()}")
