# source: https://github.com/pytorch/pytorch/issues/727
import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
np.random.seed(0)
inp = torch.from_numpy(np.random.randn(4, 6, 3, 3)).float().requires_grad_()
x = F.relu(inp)
x = F.dropout(x, p=0.1)
result = torch.sum(x)
result.backward()
