# source: https://github.com/pytorch/pytorch/issues/61410
import torch

torch.manual_seed(0)
a = torch.nn.Parameter(torch.FloatTensor([1.0]))
b = torch.nn.Parameter(torch.FloatTensor([2.0]))
optimizer = torch.optim.SGD([a, b], lr=0.1)
coeffs = torch.stack([a, b], dim=0).squeeze(1)
loss = (coeffs * torch.tensor([3.0, 4.0])).sum()
optimizer.zero_grad()
loss.backward()
optimizer.step()
