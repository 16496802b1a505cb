# source: https://github.com/BaiTheBest/SparseLLM/issues/13
# symptom: RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
# expect: in_place
import torch

torch.manual_seed(0)
x = torch.randn(8, 4)
target = torch.randn(8, 3)
s_batch = torch.randn(4, 3, requires_grad=True)
s_learning_rate = 0.1
for it in range(2):
    loss_s = ((x @ s_batch - target) ** 2).mean()
    loss_s.backward()
    s_batch -= s_learning_rate * s_batch.grad
    s_batch.grad.zero_()
