# source: https://discuss.pytorch.org/t/torch-round-gradient/28628/4
# symptom: the loss never moves; every weight's gradient is exactly zero
# expect: non_differentiable, zero_gradient
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(16, 4)
y = torch.randint(0, 5, (16, 1)).float()  # counts: whole numbers

for _step in range(3):
    optimizer.zero_grad()
    pred = torch.round(model(x))  # counts are integers, so round the prediction
    loss = nn.functional.mse_loss(pred, y)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
