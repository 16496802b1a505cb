# source: https://github.com/cfzd/Ultra-Fast-Lane-Detection/issues/282
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: frozen_parameter
import torch
from torch import nn


class ParsingNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())  # the backbone
        self.cls = nn.Sequential(nn.Flatten(), nn.Linear(4 * 3 * 3, 6))

    def forward(self, x):
        return self.cls(self.model(x))


torch.manual_seed(0)
net = ParsingNet()
state_all = {k: v.clone() for k, v in ParsingNet().state_dict().items()}  # the finetune checkpoint
net.load_state_dict({k: v for k, v in state_all.items() if 'model' in k}, strict=False)
for param in net.parameters():
    param.requires_grad = False
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
img, label = torch.randn(2, 3, 5, 5), torch.tensor([1, 4])
loss = nn.functional.cross_entropy(net(img), label)
optimizer.zero_grad()
loss.backward()
optimizer.step()
