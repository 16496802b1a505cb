# source: https://github.com/huggingface/transformers/pull/35898
# symptom: RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.
# expect: in_place
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)


class LoraLinear(nn.Module):
    """A frozen linear layer with a trainable low-rank update (LoRA)."""

    def __init__(self, base, r=2):
        super().__init__()
        self.base = base.requires_grad_(False)
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.zeros_(self.lora_B.weight)

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x))


class DebertaEmbeddings(nn.Module):
    def __init__(self, vocab=30, dim=8, max_len=16):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, dim)
        self.position_embeddings = nn.Embedding(max_len, dim)
        self.LayerNorm = nn.LayerNorm(dim)

    def forward(self, input_ids):
        embeddings = self.word_embeddings(input_ids)
        position_ids = torch.arange(input_ids.shape[1])
        embeddings += self.position_embeddings(position_ids)
        return self.LayerNorm(embeddings)


class Deberta(nn.Module):
    def __init__(self, dim=8, n_labels=2):
        super().__init__()
        self.embeddings = DebertaEmbeddings(dim=dim)
        self.layers = nn.ModuleList(LoraLinear(nn.Linear(dim, dim)) for _ in range(2))
        self.classifier = nn.Linear(dim, n_labels).requires_grad_(False)

    def forward(self, input_ids):
        h = self.embeddings(input_ids)
        for layer in self.layers:
            h = checkpoint(lambda x, layer=layer: torch.relu(layer(x)), h, use_reentrant=True)
        return self.classifier(h.mean(1))


model = Deberta()
model.embeddings.requires_grad_(False)
# what enable_input_require_grads() does: the embeddings' output requires grad
model.embeddings.word_embeddings.register_forward_hook(
    lambda module, inputs, output: output.requires_grad_(True))
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3)
input_ids, labels = torch.randint(0, 30, (4, 6)), torch.randint(0, 2, (4,))
logits = model(input_ids)
loss = nn.functional.cross_entropy(logits, labels)
optimizer.zero_grad()
loss.backward()
optimizer.step()
