# source: https://github.com/udacity/deep-learning-v2-pytorch/pull/90
# symptom: vgg's parameters are not frozen: param.required_grad = False sets an unused attribute, the VGG weights still get gradients (no error)
# expect: misspelled_attribute
import torch
from torch import nn

torch.manual_seed(0)
vgg = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1), nn.ReLU())

# freeze all VGG parameters since we're only optimizing the target image
for param in vgg.parameters():
    param.required_grad = False

content = torch.rand(1, 3, 16, 16)
style = torch.rand(1, 3, 16, 16)
target = content.clone().requires_grad_(True)
optimizer = torch.optim.Adam([target], lr=0.003)


def gram_matrix(tensor):
    _, d, h, w = tensor.size()
    tensor = tensor.view(d, h * w)
    return tensor @ tensor.t()


style_gram = gram_matrix(vgg(style)).detach()
content_features = vgg(content).detach()
for ii in range(2):
    target_features = vgg(target)
    content_loss = torch.mean((target_features - content_features) ** 2)
    style_loss = torch.mean((gram_matrix(target_features) - style_gram) ** 2)
    total_loss = content_loss + 1e-3 * style_loss
    optimizer.zero_grad()
    total_loss.backward()
    optimizer.step()
print(vgg[0].weight.grad is None)
