# source: https://github.com/cavalleria/cavaface/issues/64
# symptom: RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation (ClampBackward in the thread)
# expect: in_place
import math

import torch
import torch.nn.functional as F
from torch import nn

torch.manual_seed(0)
embeddings = torch.randn(4, 6)
label = torch.tensor([0, 2, 1, 4])
kernel = nn.Parameter(torch.randn(6, 5))
m, s = 0.5, 16.0
cos_theta = F.normalize(embeddings) @ F.normalize(kernel, dim=0)
cos_theta = cos_theta.clamp(-1, 1)
target_logit = cos_theta[torch.arange(0, 4), label].view(-1, 1)
sin_theta = torch.sqrt(1.0 - torch.pow(cos_theta, 2))
cos_theta_m = target_logit * math.cos(m) - torch.sqrt(1.0 - target_logit ** 2) * math.sin(m)
cos_theta[torch.arange(0, 4), label] = cos_theta_m.view(-1)
output = cos_theta * s + sin_theta.mean()
lossx = F.cross_entropy(output, label)
lossx.backward()
