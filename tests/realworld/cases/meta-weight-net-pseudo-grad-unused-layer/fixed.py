# source: https://github.com/ShiYunyi/Meta-Weight-Net_Code-Optimization/issues/5
import torch
from torch import nn


class MyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(4, 6)
        self.aux_head = nn.Linear(6, 2)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.backbone(x)))


torch.manual_seed(0)
pseudo_net = MyNet()
meta_net = nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
inputs, labels = torch.randn(5, 4), torch.randint(0, 3, (5,))
pseudo_outputs = pseudo_net(inputs)
pseudo_loss_vector = nn.functional.cross_entropy(pseudo_outputs, labels, reduction='none')
pseudo_weight = meta_net(pseudo_loss_vector.detach().unsqueeze(1))
pseudo_loss = torch.mean(pseudo_weight.squeeze(1) * pseudo_loss_vector)
# differentiate only with respect to the parameters the forward uses
used = [p for name, p in pseudo_net.named_parameters() if not name.startswith('aux_head')]
pseudo_grads = torch.autograd.grad(pseudo_loss, used, create_graph=True)
