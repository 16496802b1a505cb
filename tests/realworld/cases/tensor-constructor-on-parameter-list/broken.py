# source: https://github.com/pytorch/pytorch/issues/61410
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: rewrap
import torch

torch.manual_seed(0)
a = torch.nn.Parameter(torch.FloatTensor([1.0]))
b = torch.nn.Parameter(torch.FloatTensor([2.0]))
optimizer = torch.optim.SGD([a, b], lr=0.1)
coeffs = torch.Tensor([a, b])
loss = (coeffs * torch.tensor([3.0, 4.0])).sum()
optimizer.zero_grad()
loss.backward()
optimizer.step()
