# source: https://github.com/spro/practical-pytorch/issues/9
# symptom: with optimizer.step() the loss does not go down; the optimizer holds another model
# expect: not_in_optimizer
import torch
import torch.nn as nn

torch.manual_seed(0)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        return torch.log_softmax(self.i2o(combined), dim=1), self.i2h(combined)

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


n_letters, n_hidden, n_categories = 5, 8, 3
rnn = RNN(n_letters, n_hidden, n_categories)
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.005)


def train(category_tensor, line_tensor):
    hidden = rnn.initHidden()
    optimizer.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    optimizer.step()
    return output, loss


rnn = RNN(n_letters, n_hidden, n_categories)
line_tensor = torch.randn(4, 1, n_letters)
category_tensor = torch.tensor([1])
for _iter in range(3):
    output, loss = train(category_tensor, line_tensor)
print(f"loss {loss.item():.3f}")
