# source: https://forums.fast.ai/t/why-does-the-nll-has-grad-fn-while-accuracy-doesnt/50891
# symptom: adding (1 - accuracy) to the loss changes nothing in training; the term has no grad_fn
# expect: constant_loss_term, non_differentiable
import torch
import torch.nn as nn

torch.manual_seed(0)


def log_softmax(x):
    return x - x.logsumexp(-1, keepdim=True)


def nll(inp, targ):
    return -inp[range(targ.shape[0]), targ].mean()


def cross_entropy(inp, targ):
    return nll(log_softmax(inp), targ)


def accuracy(out, yb):
    return (torch.argmax(out, dim=-1) == yb).float().mean()


model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 3))
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
x_train, y_train = torch.randn(32, 10), torch.randint(0, 3, (32,))
for _step in range(3):
    pred = model(x_train)
    loss = cross_entropy(pred, y_train) + (1 - accuracy(pred, y_train))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
