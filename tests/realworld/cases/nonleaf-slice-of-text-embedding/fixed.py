# source: https://github.com/aliasgharkhani/SLiMe/issues/10
import torch

torch.manual_seed(0)
text_embedding = torch.randn(1, 6, 4)
# the optimised tokens are their own leaf; the full embedding is assembled from it
embeddings_to_optimize = text_embedding[:, 1:3].clone().requires_grad_()
optimizer = torch.optim.Adam([embeddings_to_optimize], lr=0.1)
target = torch.randn(1, 6, 4)
optimizer.zero_grad()
full = torch.cat([text_embedding[:, :1], embeddings_to_optimize, text_embedding[:, 3:]], dim=1)
loss = ((full - target) ** 2).mean()
loss.backward()
optimizer.step()
