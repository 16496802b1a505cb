class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 32)
        self.hidden = nn.Linear(32, 32)
        self.head = nn.Linear(32, 1)
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        h = torch.tanh(self.encoder(x))
        h = torch.relu(self.hidden(h))
        h = torch.clamp(h, 0.0, 3.0)
        return self.scale * self.head(h)
