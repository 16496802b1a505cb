# source: https://github.com/pytorch/tutorials/issues/855
# idiom: quantization-aware training: prepare_qat swaps in fake-quantized modules before the optimizer is built; the float weights train
import torch
from torch import nn
from torch.ao import quantization as tq

torch.manual_seed(0)
model = nn.Sequential(tq.QuantStub(), nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2), tq.DeQuantStub())
model.train()
model.qconfig = tq.get_default_qat_qconfig('fbgemm')
qat_model = tq.prepare_qat(model)
optimizer = torch.optim.SGD(qat_model.parameters(), lr=0.01)
x, y = torch.randn(16, 6), torch.randint(0, 2, (16,))
for step in range(2):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(qat_model(x), y)
    loss.backward()
    optimizer.step()
