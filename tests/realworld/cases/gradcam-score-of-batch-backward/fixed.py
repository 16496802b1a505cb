# source: https://github.com/1Konny/gradcam_plus_plus-pytorch/issues/7
import torch
from torch import nn

torch.manual_seed(0)
features = nn.Conv2d(3, 4, 3, padding=1)
classifier = nn.Linear(4, 5)
inputs = torch.randn(1, 3, 6, 6)  # Grad-CAM explains one image at a time
activations = features(inputs)
logit = classifier(activations.mean((2, 3)))
class_idx = logit.max(1)[-1]
score = logit[:, class_idx].squeeze()
features.zero_grad()
score.backward(retain_graph=False)
