# source: https://github.com/Hiyuur/SR-TOD/issues/5
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
        soft_mask = torch.sigmoid((difference_map - self.learnable_thresh) * 10.0)
        hard_mask = (soft_mask > 0.5).float()
        # straight-through: the hard mask forward, the sigmoid's gradient backward
        difference_map_mask = hard_mask + soft_mask - soft_mask.detach()
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
