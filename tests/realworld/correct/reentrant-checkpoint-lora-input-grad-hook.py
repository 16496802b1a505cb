# source: https://github.com/huggingface/peft/issues/1142
# idiom: LoRA adapters inside checkpoint(use_reentrant=True) with the input-grad hook (enable_input_require_grads): gradients come from the recomputation (issue 31, pattern 5)
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)


class LoraLinear(nn.Module):
    def __init__(self, base, r=2):
        super().__init__()
        self.base = base
        self.lora_A = nn.Parameter(torch.randn(r, base.in_features) * 0.1)
        self.lora_B = nn.Parameter(torch.randn(base.out_features, r) * 0.01)

    def forward(self, x):
        return self.base(x) + x @ self.lora_A.t() @ self.lora_B.t()


embed = nn.Embedding(20, 8)
blocks = nn.ModuleList([LoraLinear(nn.Linear(8, 8)) for _ in range(2)])
head = nn.Linear(8, 2)
for p in [*embed.parameters(), *head.parameters(), *(b.base.weight for b in blocks), *(b.base.bias for b in blocks)]:
    p.requires_grad_(False)


def make_inputs_require_grad(module, input, output):
    output.requires_grad_(True)


embed.register_forward_hook(make_inputs_require_grad)  # what enable_input_require_grads() installs
optimizer = torch.optim.AdamW([p for p in blocks.parameters() if p.requires_grad], lr=1e-3)
input_ids, labels = torch.randint(0, 20, (4, 5)), torch.randint(0, 2, (4,))
hidden = embed(input_ids)
for block in blocks:
    hidden = checkpoint(block, hidden, use_reentrant=True)
loss = nn.functional.cross_entropy(head(hidden.mean(1)), labels)
optimizer.zero_grad()
loss.backward()
optimizer.step()
