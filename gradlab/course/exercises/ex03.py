"""Exercise 03 · the `no_grad` block (lesson 03_no_grad_block)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(3, 8)
        self.head = nn.Linear(8, 1)

    @torch.no_grad()
    def encode(self, x):
        return torch.tanh(self.encoder(x))

    def forward(self, x):
        return self.head(self.encode(x))
"""

SOLUTION = """\
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(3, 8)
        self.head = nn.Linear(8, 1)

    def encode(self, x):
        return torch.tanh(self.encoder(x))

    def forward(self, x):
        return self.head(self.encode(x))
"""

EXERCISE = Exercise(
    name="Classifier",
    lesson="03_no_grad_block",
    goal="`Classifier` trains its encoder and its head: after one MSE loss on `x`, `y`, "
         "`encoder.weight`, `encoder.bias`, `head.weight` and `head.bias` each get the "
         "reference's gradient; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    hints=("The head learns but the encoder never does: `encoder.weight.grad` stays None after "
           "backward.",
           "Look at the decorator above `encode`: everything computed inside that method is "
           "recorded by no graph.",
           "Remove `@torch.no_grad()` from `encode`, so its output keeps its history."),
    right=(Edit("torch.tanh(self.encoder(x))", "self.encoder(x).tanh()"),
           Edit("    def encode(self, x):\n        return torch.tanh(self.encoder(x))\n",
                "    def encode(self, x):\n        with torch.enable_grad():\n"
                "            return torch.tanh(self.encoder(x))\n")),
    wrong=(Edit("    def encode", "    @torch.no_grad()\n    def encode", "no_grad"),
           Edit("torch.tanh(self.encoder(x))", "torch.tanh(self.encoder(x)).detach()",
                ".detach() cut encoder.weight, encoder.bias off the loss"),
           Edit("torch.tanh(self.encoder(x))", "torch.tanh(self.encoder(x).data)", ".data"),
           Edit("self.head = nn.Linear(8, 1)",
                "self.head = nn.Linear(8, 1)\n        self.encoder.requires_grad_(False)",
                "`encoder.weight` has requires_grad=False")),
)
