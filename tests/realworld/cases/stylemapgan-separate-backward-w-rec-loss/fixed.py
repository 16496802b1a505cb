# source: https://github.com/naver-ai/StyleMapGAN/issues/16
import torch
from torch import nn


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 3)
        self.generator = nn.Linear(3, 4)
        self.discriminator = nn.Linear(4, 1)

    def forward(self, real_img):
        stylecode = torch.tanh(self.encoder(real_img))
        fake_img = self.generator(stylecode)
        adv_loss = nn.functional.softplus(-self.discriminator(fake_img)).mean()
        w_rec_loss = (torch.tanh(self.encoder(fake_img)) - stylecode).pow(2).mean()
        return adv_loss, w_rec_loss, stylecode


torch.manual_seed(0)
model = Model()
g_optim = torch.optim.Adam(list(model.encoder.parameters()) + list(model.generator.parameters()), lr=1e-3)
real_img = torch.randn(5, 4)
adv_loss, w_rec_loss, stylecode = model(real_img)
g_w_rec_loss = adv_loss * 1.0 + w_rec_loss * 1.0  # both losses in one backward
g_optim.zero_grad()
g_w_rec_loss.backward()
g_optim.step()
