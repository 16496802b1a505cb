# source: https://github.com/zhuangdizhu/FedGen/issues/1
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
users = [nn.Linear(4, 2) for _ in range(3)]
loss_fn = nn.CrossEntropyLoss()
test_samples, test_losses = [], []
for user in users:
    x, y = torch.randn(5, 4), torch.randint(0, 2, (5,))
    test_losses.append(loss_fn(user(x), y))
    test_samples.append(5)
# an evaluation metric: detaching is right here
glob_loss = np.sum([x * y.detach() for (x, y) in zip(test_samples, test_losses)]).item() / np.sum(test_samples)
print(glob_loss)
