# source: https://github.com/microsoft/ProDA/issues/43
# idiom: self-distillation: the stage-1 teacher runs under no_grad, the student's log_softmax is compared to it with kl_div
import torch
from torch import nn
import torch.nn.functional as F

torch.manual_seed(0)
student = nn.Conv2d(3, 4, 3, padding=1)
teacher = nn.Conv2d(3, 4, 3, padding=1)
teacher.requires_grad_(False)
optimizer = torch.optim.SGD(student.parameters(), lr=0.01)
target_image = torch.rand(2, 3, 8, 8)
student_out = F.log_softmax(student(target_image), dim=1)
with torch.no_grad():
    teacher_out = F.softmax(teacher(target_image), dim=1)
loss_kd = F.kl_div(student_out, teacher_out, reduction='none')
mask = (teacher_out != 250).float()
loss_kd = (loss_kd * mask).sum() / mask.sum()
loss = F.cross_entropy(student(target_image), torch.randint(0, 4, (2, 8, 8))) + 0.1 * loss_kd
optimizer.zero_grad()
loss.backward()
optimizer.step()
