# source: https://github.com/Hunter-DDM/knowledge-neurons/issues/14
import torch
from torch import nn

torch.manual_seed(0)
dense = nn.Linear(6, 4)
ori_pred_emb = torch.randn(4)
tgt_emb = torch.randn(4)
lambda_1, lambda_2 = 0.5, 0.5
with torch.no_grad():  # editing weights is not a step autograd should record
    for pos in [1, 3]:
        dense.weight[:, pos] -= ori_pred_emb * lambda_1
        dense.weight[:, pos] += tgt_emb * lambda_2
print(dense(torch.randn(2, 6)))
