# source: https://github.com/Hiyuur/SR-TOD/issues/5
# symptom: learnable_thresh is an nn.Parameter but never changes; its gradient is always zero
# expect: non_differentiable, zero_gradient
import torch
import torch.nn as nn

torch.manual_seed(0)


class DifferenceMapHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.reconstruct = nn.Conv2d(1, 1, 3, padding=1)
        self.classify = nn.Conv2d(1, 2, 1)
        self.learnable_thresh = nn.Parameter(torch.tensor(0.1))

    def forward(self, img):
        recon = self.reconstruct(img)
        difference_map = (img - recon).abs().detach()
        difference_map_mask = (torch.sign(difference_map - self.learnable_thresh) + 1) * 0.5
        return recon, self.classify(img * difference_map_mask)


model = DifferenceMapHead()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
img = torch.rand(2, 1, 6, 6)
labels = torch.randint(0, 2, (2, 6, 6))

for _step in range(3):
    optimizer.zero_grad()
    recon, logits = model(img)
    loss = nn.functional.mse_loss(recon, img) + nn.functional.cross_entropy(logits, labels)
    loss.backward()
    optimizer.step()
print(f"threshold {model.learnable_thresh.item():.3f}")
