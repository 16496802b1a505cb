# source: https://github.com/Lightning-AI/pytorch-lightning/issues/19910
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: inference_mode, no_grad
import torch
from torch import nn


class KalmanNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gain = nn.Linear(3, 3)

    def test_step(self, batch):
        x, y = batch
        x = x.clone().requires_grad_()  # the model needs d(out)/dx at test time too
        out = self.gain(x)
        jac = torch.autograd.grad(out.sum(), x)[0]
        return ((out - y) ** 2).mean() + jac.abs().mean()


def trainer_test(model, batches):
    results = []
    with torch.inference_mode():  # what Trainer.test wraps test_step in by default
        for batch in batches:
            results.append(model.test_step(batch))
    return results


torch.manual_seed(0)
model = KalmanNet()
print(trainer_test(model, [(torch.randn(4, 3), torch.randn(4, 3))]))
