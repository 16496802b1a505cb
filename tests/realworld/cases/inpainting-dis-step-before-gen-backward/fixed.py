# source: https://github.com/knazeri/edge-connect/issues/188
import torch
from torch import nn


class EdgeModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.generator = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 5))
        self.discriminator = nn.Sequential(nn.Linear(5, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
        self.gen_optimizer = torch.optim.Adam(self.generator.parameters(), lr=1e-3)
        self.dis_optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=1e-3)

    def process(self, images, edges):
        outputs = self.generator(images)
        dis_real = self.discriminator(edges)
        dis_fake = self.discriminator(outputs.detach())
        dis_loss = (torch.relu(1 - dis_real).mean() + torch.relu(1 + dis_fake).mean()) / 2
        gen_fake = self.discriminator(outputs)
        gen_loss = -gen_fake.mean() + (outputs - edges).abs().mean()
        return outputs, gen_loss, dis_loss

    def backward(self, gen_loss=None, dis_loss=None):
        # every backward() before any step()
        if dis_loss is not None:
            dis_loss.backward()
        if gen_loss is not None:
            gen_loss.backward()
        self.dis_optimizer.step()
        self.gen_optimizer.step()


torch.manual_seed(0)
model = EdgeModel()
images, edges = torch.randn(4, 5), torch.randn(4, 5)
model.gen_optimizer.zero_grad()
model.dis_optimizer.zero_grad()
outputs, gen_loss, dis_loss = model.process(images, edges)
model.backward(gen_loss, dis_loss)
