"""A small regression training script with bugs from lessons 01, 02 and 03 (and a leftover
layer). Lesson 07 debugs it; `python -m gradlab check train_buggy.py` names every cut."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def make_data(n=128, seed=0):
    """Inputs with 4 features and a smooth target only a trained encoder can fit."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator)
    y = torch.sin(2 * x[:, :2]).sum(1, keepdim=True) + 0.5 * x[:, 2:3]
    return x, y


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 32)
        self.hidden = nn.Linear(32, 32)
        self.head = nn.Linear(32, 1)
        self.aux = nn.Linear(32, 1)            # left over from an old experiment
        self.scale = torch.ones(1)             # meant to be learned

    def forward(self, x):
        with torch.no_grad():                  # "the encoder is cheap, save memory"
            h = torch.tanh(self.encoder(x))
        h = torch.relu(self.hidden(h))
        h = torch.from_numpy(np.clip(h.detach().numpy(), 0.0, 3.0))   # keep activations small
        return self.scale * self.head(h)


def train(model, x, y, steps=60, lr=0.05):
    """Adam on the mean squared error; returns the loss of every step."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


if __name__ == "__main__":
    torch.manual_seed(0)
    x, y = make_data()
    model = Net()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for step in range(60):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    print(f"final loss {loss.item():.4f}")
