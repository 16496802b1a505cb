# source: https://github.com/huggingface/torchMoji/issues/21
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: data_attribute
import torch
from torch import nn


class TorchMoji(nn.Module):
    def __init__(self, return_tensor=True):
        super().__init__()
        self.embed = nn.Embedding(20, 6)
        self.lstm = nn.LSTM(6, 5, batch_first=True)
        self.output_layer = nn.Linear(5, 2)
        self.return_tensor = return_tensor

    def forward(self, input_seqs):
        h, _ = self.lstm(self.embed(input_seqs))
        outputs = self.output_layer(h[:, -1])
        if self.return_tensor:
            outputs = outputs.data
        return outputs


torch.manual_seed(0)
model = TorchMoji()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
x, y = torch.randint(0, 20, (3, 4)), torch.tensor([0, 1, 1])
loss = nn.functional.cross_entropy(model(x), y)
optimizer.zero_grad()
loss.backward()
optimizer.step()
