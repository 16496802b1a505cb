class Quantized(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        out = self.fc(x)
        return out + (out.round() - out).detach()
