# source: https://github.com/1Konny/gradcam_plus_plus-pytorch/issues/7
# symptom: RuntimeError: grad can be implicitly created only for scalar outputs
# expect: non_scalar_loss
import torch
from torch import nn

torch.manual_seed(0)
features = nn.Conv2d(3, 4, 3, padding=1)
classifier = nn.Linear(4, 5)
inputs = torch.randn(2, 3, 6, 6)  # a batch of two images
activations = features(inputs)
logit = classifier(activations.mean((2, 3)))
class_idx = logit.max(1)[-1]
score = logit[:, class_idx].squeeze()
features.zero_grad()
score.backward(retain_graph=False)
