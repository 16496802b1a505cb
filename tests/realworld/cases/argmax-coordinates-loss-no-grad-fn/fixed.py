# source: https://github.com/LZGMatrix/BOP19_CDPN_2019ICCV/issues/4
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Conv2d(2, 3 * 8, 1)
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
img = torch.randn(1, 2, 4, 4)
gt_coor = torch.rand(4, 4, 3) * 2 - 1
out = net(img).view(3, 8, 4, 4)
# argmax is not differentiable: take the loss on the bin scores, before argmax
gt_bins = ((gt_coor + 1) / 2 * (8 - 1)).round().long()  # (4, 4, 3)
loss = sum(nn.functional.cross_entropy(out[c].unsqueeze(0), gt_bins[..., c].unsqueeze(0)) for c in range(3))
optimizer.zero_grad()
loss.backward()
optimizer.step()
