# source: https://github.com/archinetai/smart-pytorch/issues/5
# symptom: RuntimeError: One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.
# expect: unused_parameter, detach
import torch
from torch import nn

torch.manual_seed(0)
embed = nn.Embedding(10, 4)
encoder = nn.Linear(4, 2)


def eval_fn(embeddings):
    # the user's wrapper re-embeds the token ids instead of using the given embeddings
    return encoder(embed(token_ids))


token_ids = torch.randint(0, 10, (3, 5))
embeddings = embed(token_ids)
state = eval_fn(embeddings)
noise = torch.randn_like(embeddings, requires_grad=True) * 1e-5
embed_perturbed = embeddings + noise
state_perturbed = eval_fn(embed_perturbed)
loss = nn.functional.mse_loss(state_perturbed, state.detach())
noise_gradient, = torch.autograd.grad(loss, noise)
