# source: https://github.com/deepspeedai/DeepSpeedExamples/pull/658
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: frozen_parameter, no_grad
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

torch.manual_seed(0)


class LoRALinear(nn.Module):
    """A frozen linear layer with a trainable low-rank update."""

    def __init__(self, dim, r=2):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(dim, dim) * 0.1, requires_grad=False)
        self.lora_right = nn.Parameter(torch.randn(dim, r) * 0.1)
        self.lora_left = nn.Parameter(torch.zeros(r, dim))

    def forward(self, x):
        return x @ self.weight.T + x @ self.lora_right @ self.lora_left


class Actor(nn.Module):
    def __init__(self, vocab=12, dim=8):
        super().__init__()
        self.embed_tokens = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList(LoRALinear(dim) for _ in range(2))
        self.lm_head = nn.Linear(dim, vocab, bias=False)
        self.gradient_checkpointing = True

    def forward(self, ids):
        h = self.embed_tokens(ids)
        for layer in self.layers:
            if self.gradient_checkpointing:
                h = checkpoint(lambda x, layer=layer: torch.tanh(layer(x)), h, use_reentrant=True)
            else:
                h = torch.tanh(layer(h))
        return self.lm_head(h)


actor = Actor()
# --only_optimize_lora: everything but the LoRA weights is frozen
for name, p in actor.named_parameters():
    p.requires_grad = "lora_" in name
optimizer = torch.optim.Adam([p for p in actor.parameters() if p.requires_grad], lr=1e-4)
seq = torch.randint(0, 12, (2, 6))
old_logprobs = torch.randn(2, 5).clamp(max=-0.1)
advantages = torch.randn(2, 5)
logits = actor(seq[:, :-1])
logprobs = torch.log_softmax(logits, -1).gather(-1, seq[:, 1:, None]).squeeze(-1)
ratio = torch.exp(logprobs - old_logprobs)
actor_loss = torch.max(-advantages * ratio, -advantages * ratio.clamp(0.8, 1.2)).mean()
optimizer.zero_grad()
actor_loss.backward()
optimizer.step()
