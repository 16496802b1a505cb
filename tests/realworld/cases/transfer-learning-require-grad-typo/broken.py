# source: https://github.com/udacity/deep-learning-v2-pytorch/issues/12
# symptom: the "frozen" feature layers still get gradients every step: param.require_grad = False freezes nothing (no error)
# expect: misspelled_attribute
import torch
from torch import nn

torch.manual_seed(0)
features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
classifier = nn.Linear(8, 5)
vgg16 = nn.Module()
vgg16.features, vgg16.classifier = features, classifier

# Freeze training for all "features" layers
for param in vgg16.features.parameters():
    param.require_grad = False

optimizer = torch.optim.SGD(vgg16.classifier.parameters(), lr=0.001)
images, labels = torch.randn(4, 3, 16, 16), torch.randint(0, 5, (4,))
for step in range(2):
    optimizer.zero_grad()
    output = vgg16.classifier(vgg16.features(images))
    loss = nn.functional.cross_entropy(output, labels)
    loss.backward()
    optimizer.step()
print([p.grad is None for p in vgg16.features.parameters()])
