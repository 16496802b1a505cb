# source: https://github.com/OmidPoursaeed/Generative_Adversarial_Perturbations/issues/4
import torch
import torch.nn as nn

torch.manual_seed(0)
mag_in = 10.0
mean, stddev = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def normalize_and_scale(delta_im):
    delta_im = delta_im + 1  # now 0..2
    delta_im = delta_im * 0.5  # now 0..1
    scales = torch.ones_like(delta_im)
    bs = delta_im.size(0)
    for i in range(bs):
        for ci in range(3):  # do per channel l_inf normalization
            l_inf_channel = delta_im[i, ci, :, :].detach().abs().max()
            mag_in_scaled_c = mag_in / (255.0 * stddev[ci])
            scale = min(1.0, mag_in_scaled_c / l_inf_channel.item())
            scales[i, ci] = scale
    return delta_im * scales  # scaled where autograd sees it


netG = nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.Tanh())
pretrained_clf = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 4))
pretrained_clf.requires_grad_(False)
optimizerG = torch.optim.Adam(netG.parameters(), lr=1e-3)
image, labels = torch.randn(2, 3, 8, 8), torch.tensor([1, 3])
noise = torch.rand(2, 3, 8, 8)
for _step in range(3):
    optimizerG.zero_grad()
    delta_im = normalize_and_scale(netG(noise))
    recons = image + delta_im
    loss = -nn.functional.cross_entropy(pretrained_clf(recons), labels)  # fool the classifier
    loss.backward()
    optimizerG.step()
print(f"loss {loss.item():.3f}")
