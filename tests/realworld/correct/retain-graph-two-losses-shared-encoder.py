# source: https://github.com/rosinality/swapping-autoencoder-pytorch/issues/12
# idiom: two backward passes through a shared encoder, the first with retain_graph=True
import torch
from torch import nn

torch.manual_seed(0)
encoder = nn.Linear(4, 3)
decoder_a = nn.Linear(3, 4)
decoder_b = nn.Linear(3, 2)
params = list(encoder.parameters()) + list(decoder_a.parameters()) + list(decoder_b.parameters())
optimizer = torch.optim.Adam(params, lr=1e-3)
x, labels = torch.randn(6, 4), torch.randint(0, 2, (6,))
code = torch.tanh(encoder(x))
rec_loss = ((decoder_a(code) - x) ** 2).mean()
cls_loss = nn.functional.cross_entropy(decoder_b(code), labels)
optimizer.zero_grad()
rec_loss.backward(retain_graph=True)
cls_loss.backward()
optimizer.step()
