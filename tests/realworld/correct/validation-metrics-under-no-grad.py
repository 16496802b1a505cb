# source: https://github.com/chrischoy/FCGF/issues/15
# idiom: validation loss and accuracy are computed under torch.no_grad() after the training step
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
loss = nn.functional.cross_entropy(model(x), y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
model.eval()
with torch.no_grad():
    val_logits = model(torch.randn(6, 4))
    val_loss = nn.functional.cross_entropy(val_logits, torch.randint(0, 3, (6,)))
    accuracy = (val_logits.argmax(1) == 0).float().mean()
model.train()
print(val_loss.item(), accuracy.item())
