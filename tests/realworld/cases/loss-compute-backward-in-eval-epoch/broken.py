# source: https://github.com/harvardnlp/annotated-transformer/issues/14
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: no_grad
import torch
from torch import nn


class SimpleLossCompute:
    def __init__(self, generator, criterion, opt=None):
        self.generator, self.criterion, self.opt = generator, criterion, opt

    def __call__(self, x, y):
        loss = self.criterion(self.generator(x), y)
        loss.backward()
        if self.opt is not None:
            self.opt.step()
            self.opt.zero_grad()
        return loss.item()


def run_epoch(batches, model, loss_compute):
    return sum(loss_compute(model(x), y) for x, y in batches)


torch.manual_seed(0)
model = nn.Linear(4, 6)
generator = nn.Linear(6, 3)
criterion = nn.CrossEntropyLoss()
opt = torch.optim.Adam(list(model.parameters()) + list(generator.parameters()), lr=1e-3)
batches = [(torch.randn(5, 4), torch.randint(0, 3, (5,))) for _ in range(2)]
model.train()
run_epoch(batches, model, SimpleLossCompute(generator, criterion, opt))
model.eval()
with torch.no_grad():
    print(run_epoch(batches, model, SimpleLossCompute(generator, criterion, None)))
