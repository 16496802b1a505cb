# source: https://github.com/Hunter-DDM/knowledge-neurons/issues/14
# symptom: RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place operation.
# expect: in_place
import torch
from torch import nn

torch.manual_seed(0)
dense = nn.Linear(6, 4)  # stands for bert.encoder.layer[layer].output.dense
ori_pred_emb = torch.randn(4)
tgt_emb = torch.randn(4)
lambda_1, lambda_2 = 0.5, 0.5
for pos in [1, 3]:
    dense.weight[:, pos] -= ori_pred_emb * lambda_1
    dense.weight[:, pos] += tgt_emb * lambda_2
print(dense(torch.randn(2, 6)))
