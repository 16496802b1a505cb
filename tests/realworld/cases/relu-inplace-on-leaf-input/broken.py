# source: https://github.com/pytorch/pytorch/issues/727
# symptom: RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
# expect: in_place
import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
np.random.seed(0)
x = torch.from_numpy(np.random.randn(4, 6, 3, 3)).float().requires_grad_()
x = F.relu(x, inplace=True)
x = F.dropout(x, p=0.1, inplace=True)
result = torch.sum(x)
result.backward()
