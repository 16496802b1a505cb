# source: https://github.com/speechbrain/speechbrain/issues/1040
# symptom: RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn
# expect: frozen_parameter
import torch
from torch import nn


class SpeakerRecognition(nn.Module):
    def __init__(self, freeze_params=True):
        super().__init__()
        self.embedding_model = nn.Sequential(nn.Linear(10, 6), nn.ReLU(), nn.Linear(6, 4))
        if freeze_params:
            for p in self.parameters():
                p.requires_grad = False

    @classmethod
    def from_hparams(cls, **kwargs):
        return cls(**kwargs)

    def encode_batch(self, wavs):
        return self.embedding_model(wavs)


torch.manual_seed(0)
verification = SpeakerRecognition.from_hparams()
optimizer = torch.optim.Adam(verification.parameters(), lr=1e-4)
wavs, target = torch.randn(3, 10), torch.randn(3, 4)
loss = ((verification.encode_batch(wavs) - target) ** 2).mean()
optimizer.zero_grad()
loss.backward()
optimizer.step()
