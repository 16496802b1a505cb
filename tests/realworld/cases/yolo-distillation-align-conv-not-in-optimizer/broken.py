# source: https://github.com/huangzongmou/yolov8_Distillation/issues/5
# symptom: the 1x1 align convolutions inside the distillation FeatureLoss never change: they keep their random initialisation and distillation does not help (no error)
# expect: not_in_optimizer
import torch
from torch import nn

torch.manual_seed(0)
student = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1))
teacher = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, padding=1))
head = nn.Conv2d(4, 2, 1)


class FeatureLoss(nn.Module):
    """Aligns the student's channels to the teacher's with a 1x1 conv, then compares them."""

    def __init__(self, channels_s, channels_t):
        super().__init__()
        self.align_module = nn.ModuleList(nn.Conv2d(s, t, 1) for s, t in zip(channels_s, channels_t))

    def forward(self, y_s, y_t):
        return sum(nn.functional.mse_loss(align(s), t)
                   for align, s, t in zip(self.align_module, y_s, y_t))


class DistillationLoss:
    def __init__(self, channels_s, channels_t):
        self.D_loss_fn = FeatureLoss(channels_s, channels_t)

    def __call__(self, y_s, y_t):
        return self.D_loss_fn(y_s, y_t)


distill = DistillationLoss([4], [8])
optimizer = torch.optim.SGD([*student.parameters(), *head.parameters()], lr=0.01, momentum=0.9)
images, target = torch.randn(2, 3, 8, 8), torch.randn(2, 2, 8, 8)
for _ in range(2):
    feat_s = student(images)
    with torch.no_grad():
        feat_t = teacher(images)
    loss = nn.functional.mse_loss(head(feat_s), target) + 0.5 * distill([feat_s], [feat_t])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
