# source: https://github.com/huggingface/peft/issues/793
# idiom: a frozen base layer with LoRA adapters: lora_B starts at zero, only the adapters are in the optimizer and train
import torch
from torch import nn

torch.manual_seed(0)
base = nn.Linear(8, 8)
base.requires_grad_(False)
lora_A = nn.Parameter(torch.randn(2, 8) * 0.1)
lora_B = nn.Parameter(torch.zeros(8, 2))
optimizer = torch.optim.AdamW([lora_A, lora_B], lr=1e-2)
x, y = torch.randn(16, 8), torch.randn(16, 8)
for epoch in range(3):
    out = base(x) + (x @ lora_A.t() @ lora_B.t()) * 2.0
    loss = nn.functional.mse_loss(out, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
