# source: https://github.com/oumi-ai/oumi/pull/107
# idiom: checkpoint(use_reentrant=False) over trainable blocks after a frozen embedding: no input-grad hook is needed
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)
embed_tokens = nn.Embedding(30, 8)
embed_tokens.weight.requires_grad_(False)
layers = nn.ModuleList([nn.Sequential(nn.Linear(8, 8), nn.GELU()) for _ in range(2)])
lm_head = nn.Linear(8, 30)
optimizer = torch.optim.AdamW([*layers.parameters(), *lm_head.parameters()], lr=1e-4)
input_ids = torch.randint(0, 30, (2, 6))
hidden_states = embed_tokens(input_ids)
for layer in layers:
    hidden_states = checkpoint(layer, hidden_states, use_reentrant=False)
logits = lm_head(hidden_states)
loss = nn.functional.cross_entropy(logits[:, :-1].reshape(-1, 30), input_ids[:, 1:].reshape(-1))
optimizer.zero_grad()
loss.backward()
optimizer.step()
