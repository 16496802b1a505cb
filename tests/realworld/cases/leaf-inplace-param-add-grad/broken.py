# source: https://github.com/pytorch/examples/pull/779
# symptom: RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
# expect: in_place
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(8, 10))
criterion = nn.CrossEntropyLoss()
lr = 20.0
data = torch.randint(0, 10, (3, 2))
targets = torch.randint(0, 10, (3,))
model.zero_grad()
output = model(data)
loss = criterion(output, targets)
loss.backward()
torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
for p in model.parameters():
    p.add_(p.grad, alpha=-lr)
