# source: https://github.com/ronghuaiyang/arcface-pytorch/issues/56
# symptom: `loss.requires_grad = True` silenced the error, but the loss does not decline
# expect: non_differentiable, constant_loss_term
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
data, label = torch.randn(32, 8), torch.randint(0, 4, (32,))

for _step in range(3):
    output = model(data)
    pred = output.argmax(dim=1)
    loss = criterion(pred.float(), label.float())
    loss.requires_grad = True
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    acc = (pred == label).float().mean()
print(f"loss {loss.item():.3f}, acc {acc.item():.2f}")
