# source: https://github.com/mazzzystar/randomCNN-voice-transfer/issues/16
import torch

torch.manual_seed(0)
content = torch.randn(1, 8, 6)
style = torch.randn(1, 8, 6)
# move first, then ask for gradients: the moved tensor is the leaf
a_g_var = torch.randn(1, 8, 6).to(torch.float64).requires_grad_()
optimizer = torch.optim.Adam([a_g_var], lr=0.01)
for step in range(2):
    optimizer.zero_grad()
    loss = ((a_g_var - content) ** 2).mean() + ((a_g_var.mean(2) - style.mean(2)) ** 2).mean()
    loss.backward()
    optimizer.step()
