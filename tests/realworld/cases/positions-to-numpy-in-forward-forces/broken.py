# source: https://github.com/TorchSim/torch-sim/issues/469
# symptom: RuntimeError: Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.
# expect: numpy_roundtrip
import numpy as np
import torch
from torch import nn


class PairModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0))

    def forward(self, positions):
        pos = positions.cpu().numpy()  # handed to an external library as arrays
        graph = torch.from_numpy(np.stack([pos[:, None] - pos[None, :]]).astype(np.float32))
        return self.scale * (graph ** 2).sum()


torch.manual_seed(0)
model = PairModel()
positions = torch.randn(4, 3, requires_grad=True)  # relaxation needs forces = -dE/dx
energy = model(positions)
forces = -torch.autograd.grad(energy, positions)[0]
