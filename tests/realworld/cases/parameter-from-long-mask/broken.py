# source: https://github.com/jiasenlu/NeuralBabyTalk/issues/26
# symptom: RuntimeError: Only Tensors of floating point and complex dtype can require gradients
# expect: integer_dtype
import torch
from torch import nn
from torch.nn import Parameter


class CascadeCore(nn.Module):
    def __init__(self, fg_mask):
        super().__init__()
        self.fg_mask = Parameter(fg_mask)
        self.fg_mask.requires_grad = False
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        return self.proj(x) * self.fg_mask[: x.size(1)].float()


torch.manual_seed(0)
fg_mask = torch.tensor([1, 0, 1, 1])  # a LongTensor read from the vocabulary
core = CascadeCore(fg_mask)
core(torch.randn(2, 4)).sum().backward()
