# source: https://github.com/adapter-hub/adapters/issues/260
import torch
from torch import nn

torch.manual_seed(0)


class Adapter(nn.Module):
    """A bottleneck adapter: down-project, non-linearity, up-project, residual."""

    def __init__(self, dim, reduction=4):
        super().__init__()
        self.down = nn.Linear(dim, dim // reduction)
        self.up = nn.Linear(dim // reduction, dim)

    def forward(self, h):
        return h + self.up(torch.relu(self.down(h)))


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.ff = nn.Linear(dim, dim)
        self.adapters = nn.ModuleDict()

    def forward(self, h):
        h = torch.relu(self.ff(h))
        for adapter in self.adapters.values():
            h = adapter(h)
        return h


class Seq2SeqModel(nn.Module):
    def __init__(self, dim=16, vocab=20):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList(Block(dim) for _ in range(2))
        self.lm_head = nn.Linear(dim, vocab)

    def add_adapter(self, name):
        for block in self.blocks:
            block.adapters[name] = Adapter(self.embed.embedding_dim)

    def train_adapter(self, name):
        """Freeze the model, train only the named adapter."""
        for pname, p in self.named_parameters():
            p.requires_grad = f"adapters.{name}." in pname

    def forward(self, ids):
        h = self.embed(ids)
        for block in self.blocks:
            h = block(h)
        return self.lm_head(h)


model = Seq2SeqModel()
model.add_adapter("sst2")
model.train_adapter("sst2")
# the optimizer is built after the adapter exists, from the parameters that train
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
ids, labels = torch.randint(0, 20, (4, 7)), torch.randint(0, 20, (4, 7))
for _ in range(2):
    logits = model(ids)
    loss = nn.functional.cross_entropy(logits.reshape(-1, 20), labels.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
