# source: https://github.com/pyg-team/pytorch_geometric/pull/9996
import torch
from torch import nn

torch.manual_seed(0)
llm = nn.Sequential(nn.Embedding(20, 8), nn.Linear(8, 20))
for p in llm.parameters():
    p.requires_grad = False
# gradients flow through the frozen LM into something that is trained (the GNN projector)
projector = nn.Linear(8, 8)
optimizer = torch.optim.AdamW(projector.parameters(), lr=1e-3)
tokens = torch.randint(0, 20, (2, 5))
logits = llm[1](projector(llm[0](tokens)))
loss = nn.functional.cross_entropy(logits.view(-1, 20), tokens.view(-1))
loss.backward()
optimizer.step()
