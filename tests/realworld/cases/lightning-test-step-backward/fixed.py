# source: https://github.com/Lightning-AI/pytorch-lightning/issues/19910
import torch
from torch import nn


class KalmanNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gain = nn.Linear(3, 3)

    def test_step(self, batch):
        x, y = batch
        with torch.enable_grad():  # Trainer(inference_mode=False) plus enable_grad in the step
            x = x.clone().requires_grad_()
            out = self.gain(x)
            jac = torch.autograd.grad(out.sum(), x)[0]
        return (((out - y) ** 2).mean() + jac.abs().mean()).detach()


def trainer_test(model, batches):
    results = []
    with torch.no_grad():
        for batch in batches:
            results.append(model.test_step(batch))
    return results


torch.manual_seed(0)
model = KalmanNet()
print(trainer_test(model, [(torch.randn(4, 3), torch.randn(4, 3))]))
