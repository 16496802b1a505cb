# source: https://github.com/open-mmlab/mmpretrain/pull/1426
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: constant_loss_term
import torch
from torch import nn

torch.manual_seed(0)
head = nn.Linear(8, 3)
optimizer = torch.optim.SGD(head.parameters(), lr=0.1)


def task_loss(inputs, labels):
    """The loss of one task, over the samples that carry its label."""
    keep = labels >= 0
    if keep.sum() == 0:
        return {'loss': torch.tensor(0.), 'mask_size': torch.tensor(0.)}
    return {'loss': nn.functional.cross_entropy(head(inputs[keep]), labels[keep]),
            'mask_size': keep.sum().float()}


def parse_losses(losses):
    return sum(value for key, value in losses.items() if 'loss' in key)


inputs = torch.randn(4, 8)
labels = torch.full((4,), -1)  # a full mask: no sample of this batch has the task's label
loss = parse_losses(task_loss(inputs, labels))
optimizer.zero_grad()
loss.backward()
optimizer.step()
