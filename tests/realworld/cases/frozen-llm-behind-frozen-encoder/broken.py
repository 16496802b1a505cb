# source: https://github.com/pyg-team/pytorch_geometric/pull/9996
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: frozen_parameter
import torch
from torch import nn

torch.manual_seed(0)
llm = nn.Sequential(nn.Embedding(20, 8), nn.Linear(8, 20))
for p in llm.parameters():  # freeze the LM: its weights must not change
    p.requires_grad = False
tokens = torch.randint(0, 20, (2, 5))
logits = llm(tokens)
loss = nn.functional.cross_entropy(logits.view(-1, 20), tokens.view(-1))
loss.backward()
