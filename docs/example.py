"""The example drawn in README.md: a no_grad block inside forward cuts fc1 off the loss.

Run `python docs/example.py` to print the report and rewrite docs/no_grad_graph.png."""

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

import gradlab as gl


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            h = torch.relu(self.fc1(x))
        return self.fc2(h)


def train_step() -> dict[str, object]:
    torch.manual_seed(0)
    model = Net()
    x, y = torch.randn(8, 3), torch.randn(8, 1)
    loss = F.mse_loss(model(x), y)
    loss.backward()
    return locals()


if __name__ == "__main__":
    print(gl.diagnose(train_step))
    view = gl.draw(train_step)
    print(view.summary())
    view.save(Path(__file__).with_name("no_grad_graph.png"))
