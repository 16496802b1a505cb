# source: https://github.com/pytorchbearer/torchbearer/issues/414
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: missing_requires_grad, constant_loss_term
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Linear(4, 2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = None
callbacks = []  # a regulariser callback would add its term to state['loss']

x, y = torch.randn(8, 4), torch.randn(8, 2)
state = {'y_pred': model(x), 'y_true': y}
if criterion is None:
    state['loss'] = torch.zeros(1)
else:
    state['loss'] = criterion(state['y_pred'], state['y_true'])
for callback in callbacks:
    state['loss'] = state['loss'] + callback(state)
optimizer.zero_grad()
state['loss'].backward()
optimizer.step()
