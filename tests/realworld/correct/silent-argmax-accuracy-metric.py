# source: https://forums.fast.ai/t/why-does-the-nll-has-grad-fn-while-accuracy-doesnt/50891
# idiom: argmax for the accuracy metric only; the loss is cross-entropy on the logits
import torch
import torch.nn as nn

torch.manual_seed(0)


def accuracy(out, yb):
    return (torch.argmax(out, dim=-1) == yb).float().mean()


model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x_train, y_train = torch.randn(32, 10), torch.randint(0, 3, (32,))
for _step in range(3):
    pred = model(x_train)
    loss = nn.functional.cross_entropy(pred, y_train)
    acc = accuracy(pred, y_train)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}, accuracy {acc.item():.2f}")
