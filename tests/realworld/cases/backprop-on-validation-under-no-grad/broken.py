# source: https://github.com/nianticlabs/monodepth2/issues/24
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: no_grad
import torch
from torch import nn


class Trainer:
    def __init__(self):
        self.depth = nn.Conv2d(3, 1, 3, padding=1)
        self.optimizer = torch.optim.Adam(self.depth.parameters(), lr=1e-4)

    def compute_losses(self, inputs):
        return (torch.sigmoid(self.depth(inputs)) - 0.5).abs().mean()

    def val(self, inputs):
        self.depth.eval()
        with torch.no_grad():
            losses = self.compute_losses(inputs)
            # changed by the user: also learn from the validation batch
            self.optimizer.zero_grad()
            losses.backward()
            self.optimizer.step()
        self.depth.train()


torch.manual_seed(0)
trainer = Trainer()
trainer.val(torch.randn(1, 3, 4, 4))
