# source: https://github.com/RUCAIBox/RecBole/issues/2027
import torch
from torch import nn


class DummyModel(nn.Module):
    def __init__(self, pretrained_users, pretrained_items):
        super().__init__()
        self.user_embedding = nn.Embedding.from_pretrained(pretrained_users, freeze=False)
        self.item_embedding = nn.Embedding.from_pretrained(pretrained_items, freeze=False)

    def calculate_loss(self, user, pos, neg):
        u = self.user_embedding(user)
        pos_score = (u * self.item_embedding(pos)).sum(-1)
        neg_score = (u * self.item_embedding(neg)).sum(-1)
        return -nn.functional.logsigmoid(pos_score - neg_score).mean()


torch.manual_seed(0)
model = DummyModel(torch.randn(5, 4), torch.randn(7, 4))
user, pos, neg = torch.tensor([0, 1, 2]), torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6])
loss = model.calculate_loss(user, pos, neg)
loss.backward()
