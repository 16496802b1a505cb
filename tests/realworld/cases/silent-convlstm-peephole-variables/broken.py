# source: https://github.com/automan000/Convolutional_LSTM_PyTorch/issues/17
# symptom: the peephole weights Wci, Wcf, Wco are Variables, not Parameters: they stay zero
# expect: plain_tensor_attribute
import torch
import torch.nn as nn
from torch.autograd import Variable

torch.manual_seed(0)


class ConvLSTMCell(nn.Module):
    def __init__(self, input_channels, hidden_channels, kernel_size=3):
        super().__init__()
        padding = kernel_size // 2
        self.Wxi = nn.Conv2d(input_channels, hidden_channels, kernel_size, 1, padding, bias=True)
        self.Whi = nn.Conv2d(hidden_channels, hidden_channels, kernel_size, 1, padding, bias=False)
        self.Wxf = nn.Conv2d(input_channels, hidden_channels, kernel_size, 1, padding, bias=True)
        self.Whf = nn.Conv2d(hidden_channels, hidden_channels, kernel_size, 1, padding, bias=False)
        self.Wxc = nn.Conv2d(input_channels, hidden_channels, kernel_size, 1, padding, bias=True)
        self.Whc = nn.Conv2d(hidden_channels, hidden_channels, kernel_size, 1, padding, bias=False)
        self.Wxo = nn.Conv2d(input_channels, hidden_channels, kernel_size, 1, padding, bias=True)
        self.Who = nn.Conv2d(hidden_channels, hidden_channels, kernel_size, 1, padding, bias=False)
        self.Wci = None
        self.Wcf = None
        self.Wco = None

    def forward(self, x, h, c):
        ci = torch.sigmoid(self.Wxi(x) + self.Whi(h) + c * self.Wci)
        cf = torch.sigmoid(self.Wxf(x) + self.Whf(h) + c * self.Wcf)
        cc = cf * c + ci * torch.tanh(self.Wxc(x) + self.Whc(h))
        co = torch.sigmoid(self.Wxo(x) + self.Who(h) + cc * self.Wco)
        return co * torch.tanh(cc), cc

    def init_hidden(self, batch_size, hidden, shape):
        if self.Wci is None:
            self.Wci = Variable(torch.zeros(1, hidden, shape[0], shape[1]))
            self.Wcf = Variable(torch.zeros(1, hidden, shape[0], shape[1]))
            self.Wco = Variable(torch.zeros(1, hidden, shape[0], shape[1]))
        return (Variable(torch.zeros(batch_size, hidden, shape[0], shape[1])),
                Variable(torch.zeros(batch_size, hidden, shape[0], shape[1])))


cell = ConvLSTMCell(1, 2)
optimizer = torch.optim.Adam(cell.parameters(), lr=1e-2)
seq = torch.randn(3, 2, 1, 5, 5)  # (time, batch, channels, height, width)
target = torch.randn(2, 2, 5, 5)
for _step in range(3):
    optimizer.zero_grad()
    h, c = cell.init_hidden(2, 2, (5, 5))
    for x in seq:
        h, c = cell(x, h, c)
    loss = nn.functional.mse_loss(h, target)
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
