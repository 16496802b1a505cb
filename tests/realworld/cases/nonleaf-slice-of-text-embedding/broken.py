# source: https://github.com/aliasgharkhani/SLiMe/issues/10
# symptom: ValueError: can't optimize a non-leaf Tensor
# expect: non_leaf_grad
import torch

torch.manual_seed(0)
text_embedding = torch.randn(1, 6, 4, requires_grad=True)
# only the tokens after the start token are optimised: a slice of the embedding
embeddings_to_optimize = text_embedding[:, 1:3]
optimizer = torch.optim.Adam([embeddings_to_optimize], lr=0.1)
target = torch.randn(1, 6, 4)
optimizer.zero_grad()
loss = ((text_embedding - target) ** 2).mean()
loss.backward()
optimizer.step()
