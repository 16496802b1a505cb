# source: https://github.com/TorchSim/torch-sim/issues/469
import torch
from torch import nn


class PairModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0))

    def forward(self, positions):
        diff = positions[:, None] - positions[None, :]  # stay in torch: the energy needs dE/dx
        return self.scale * (diff ** 2).sum()


torch.manual_seed(0)
model = PairModel()
positions = torch.randn(4, 3, requires_grad=True)
energy = model(positions)
forces = -torch.autograd.grad(energy, positions)[0]
