# source: https://github.com/locuslab/open-unlearning/issues/178
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)


class LoraLinear(nn.Module):
    def __init__(self, base, r=2):
        super().__init__()
        self.base = base
        self.lora_A = nn.Parameter(torch.randn(r, base.in_features) * 0.1)
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))

    def forward(self, x):
        return self.base(x) + x @ self.lora_A.t() @ self.lora_B.t()


embed = nn.Embedding(20, 8)
blocks = nn.ModuleList([LoraLinear(nn.Linear(8, 8)) for _ in range(2)])
score = nn.Linear(8, 2)
for p in [*embed.parameters(), *(b.base.weight for b in blocks), *(b.base.bias for b in blocks)]:
    p.requires_grad = False
trainable = [p for p in [*blocks.parameters(), *score.parameters()] if p.requires_grad]
optimizer = torch.optim.AdamW(trainable, lr=1e-3)

input_ids, labels = torch.randint(0, 20, (4, 5)), torch.randint(0, 2, (4,))
hidden = embed(input_ids)
hidden.requires_grad_(True)  # what enable_input_require_grads() does: the checkpoint now records
for block in blocks:
    hidden = checkpoint(block, hidden, use_reentrant=True)
loss = nn.functional.cross_entropy(score(hidden.mean(1)), labels)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print([b.lora_B.grad is None for b in blocks])
