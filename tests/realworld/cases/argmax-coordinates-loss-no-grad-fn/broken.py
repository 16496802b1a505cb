# source: https://github.com/LZGMatrix/BOP19_CDPN_2019ICCV/issues/4
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: non_differentiable
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Conv2d(2, 3 * 8, 1)  # 8 bins per coordinate
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
img = torch.randn(1, 2, 4, 4)
gt_coor = torch.rand(4, 4, 3) * 2 - 1
out = net(img).view(3, 8, 4, 4)
output_coor_x_, output_coor_y_, output_coor_z_ = out[0], out[1], out[2]
output_coor_ = torch.stack([torch.argmax(output_coor_x_, axis=0),
                            torch.argmax(output_coor_y_, axis=0),
                            torch.argmax(output_coor_z_, axis=0)], axis=2)
output_coor_ = 2.0 * output_coor_.float() / (8 - 1.0) - 1.0
loss = (output_coor_ - gt_coor).abs().mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
