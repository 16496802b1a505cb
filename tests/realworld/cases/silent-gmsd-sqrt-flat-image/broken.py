# source: https://github.com/photosynthesis-team/piq/issues/308
# symptom: optimising an image with the GMSD loss gives nan gradients; the image turns to nan
# expect: nan_gradient
import torch

torch.manual_seed(0)


def gradient_map(x, kernels):
    padding = kernels.size(-1) // 2
    grads = torch.nn.functional.conv2d(x, kernels, padding=padding)
    return torch.sqrt(torch.sum(grads**2, dim=-3, keepdim=True))


def gmsd_loss(x, y, t=170 / (255**2)):
    prewitt = torch.tensor([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]])
    kernels = torch.stack([prewitt, prewitt.t()]).unsqueeze(1)
    x_grad, y_grad = gradient_map(x, kernels), gradient_map(y, kernels)
    gms = (2.0 * x_grad * y_grad + t) / (x_grad**2 + y_grad**2 + t)
    return 1.0 - gms.mean()


y = torch.rand(1, 1, 8, 8)
y_hat = torch.zeros(1, 1, 8, 8, requires_grad=True)
optim = torch.optim.SGD([y_hat], lr=0.1)
for _i in range(3):
    optim.zero_grad()
    loss = gmsd_loss(y, torch.sigmoid(y_hat))
    loss.backward()
    optim.step()
print(f"loss {loss.item():.4f}")
