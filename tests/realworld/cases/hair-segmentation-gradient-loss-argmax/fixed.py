# source: https://github.com/wonbeomjang/mobile-hair-segmentation-pytorch/issues/3
import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 2, 3, padding=1))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
image, mask = torch.rand(2, 3, 16, 16), torch.randint(0, 2, (2, 16, 16))
sobel = torch.tensor([[[[1., 0., -1.], [2., 0., -2.], [1., 0., -1.]]]])


def image_gradient_loss(pred, image):
    size = pred.size()
    pred = pred.softmax(1)[:, 1:2]  # the hair probability keeps a gradient, argmax does not
    gray = image.mean(1, keepdim=True)
    g_pred = nn.functional.conv2d(pred, sobel, padding=1)
    g_img = nn.functional.conv2d(gray, sobel, padding=1)
    return (g_pred.abs() * (1 - g_img.abs().clamp(max=1))).mean()


pred = net(image)
loss = nn.functional.cross_entropy(pred, mask) + 0.5 * image_gradient_loss(pred, image)
optimizer.zero_grad()
loss.backward()
optimizer.step()
print(f"loss {loss.item():.3f}")
