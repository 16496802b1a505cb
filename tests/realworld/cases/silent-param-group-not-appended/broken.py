# source: https://github.com/zjunlp/HVPNeT/issues/5
# symptom: the crf and fc parameters never change: their group never reaches the optimizer
# expect: not_in_optimizer
import torch
import torch.nn as nn

torch.manual_seed(0)


class NERModel(nn.Module):
    def __init__(self, num_labels=3):
        super().__init__()
        self.bert = nn.Sequential(nn.Embedding(20, 8), nn.Linear(8, 8))
        self.fc = nn.Linear(8, num_labels)
        self.crf_transitions = nn.Parameter(torch.randn(num_labels, num_labels) * 0.1)

    def forward(self, tokens):
        emissions = self.fc(torch.tanh(self.bert(tokens)))  # (batch, seq, labels)
        # a pairwise term from the transition scores (a stand-in for the CRF's partition)
        pair = emissions[:, :-1, :, None] + emissions[:, 1:, None, :] + self.crf_transitions
        return pair.flatten(2)


model = NERModel()
parameters = []
params = {"lr": 1e-2, "weight_decay": 1e-2, "params": []}
for name, param in model.named_parameters():
    if "bert" in name:
        params["params"].append(param)
parameters.append(params)
params = {"lr": 5e-2, "weight_decay": 1e-2, "params": []}
for name, param in model.named_parameters():
    if "crf" in name or name.startswith("fc"):
        params["params"].append(param)
optimizer = torch.optim.AdamW(parameters)
tokens, labels = torch.randint(0, 20, (4, 5)), torch.randint(0, 9, (4, 4))
for _step in range(3):
    optimizer.zero_grad()
    loss = nn.functional.cross_entropy(model(tokens).transpose(1, 2), labels)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
