# source: https://github.com/mazzzystar/randomCNN-voice-transfer/issues/16
# symptom: ValueError: can't optimize a non-leaf Tensor
# expect: non_leaf_grad
import torch

torch.manual_seed(0)
content = torch.randn(1, 8, 6)
style = torch.randn(1, 8, 6)
# the user moved the spectrogram after asking for gradients (.cuda() there, a dtype move here)
a_g_var = torch.randn(1, 8, 6, requires_grad=True).to(torch.float64)
optimizer = torch.optim.Adam([a_g_var], lr=0.01)
for step in range(2):
    optimizer.zero_grad()
    loss = ((a_g_var - content) ** 2).mean() + ((a_g_var.mean(2) - style.mean(2)) ** 2).mean()
    loss.backward()
    optimizer.step()
