class Soft(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 8)
        self.fc2 = nn.Linear(8, 1)

    def forward(self, x):
        h = torch.exp(-torch.abs(self.fc1(x)))
        return self.fc2(h)
