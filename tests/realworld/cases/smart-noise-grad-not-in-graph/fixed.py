# source: https://github.com/archinetai/smart-pytorch/issues/5
import torch
from torch import nn

torch.manual_seed(0)
embed = nn.Embedding(10, 4)
encoder = nn.Linear(4, 2)


def eval_fn(embeddings):
    return encoder(embeddings)  # the model must be run on the embeddings it is given


token_ids = torch.randint(0, 10, (3, 5))
embeddings = embed(token_ids)
state = eval_fn(embeddings)
noise = (torch.randn_like(embeddings) * 1e-5).requires_grad_()
embed_perturbed = embeddings + noise
state_perturbed = eval_fn(embed_perturbed)
loss = nn.functional.mse_loss(state_perturbed, state.detach())
noise_gradient, = torch.autograd.grad(loss, noise)
