# source: https://github.com/ClownW/Reinforcement-learning-with-PyTorch/issues/3
# symptom: RuntimeError: Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.
# expect: numpy_roundtrip
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)
eval_net = nn.Linear(4, 2)
optimizer = torch.optim.RMSprop(eval_net.parameters(), lr=0.01)
cost_his = []
for step in range(3):
    s, a, r = torch.randn(8, 4), torch.randint(0, 2, (8, 1)), torch.randn(8, 1)
    q_eval = eval_net(s).gather(1, a)
    loss = nn.functional.mse_loss(q_eval, r)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    cost_his.append(loss)
curve = np.array([c.numpy() for c in cost_his])  # np.arange(len(cost_his)) vs cost for plt.plot
print(curve.mean())
