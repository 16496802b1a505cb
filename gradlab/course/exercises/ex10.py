"""Exercise 10 · debug your own model (lesson 10_debug_your_own)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 32)
        self.hidden = nn.Linear(32, 32)
        self.head = nn.Linear(32, 1)
        self.aux = nn.Linear(32, 1)            # left over from an old experiment
        self.scale = torch.ones(1)             # meant to be learned

    def forward(self, x):
        with torch.no_grad():                  # "the encoder is cheap, save memory"
            h = torch.tanh(self.encoder(x))
        h = torch.relu(self.hidden(h))
        h = torch.from_numpy(np.clip(h.detach().numpy(), 0.0, 3.0))   # keep activations small
        return self.scale * self.head(h)
"""

SOLUTION = """\
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
"""

EXERCISE = Exercise(
    name="Net",
    lesson="10_debug_your_own",
    goal="`Net` keeps its layers' names and order, has exactly the parameters its forward uses "
         "(`encoder`, `hidden`, `head` and a learned `scale` starting at 1), and after one MSE "
         "loss on `x`, `y` every one of them gets the reference's gradient; the output is "
         "unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    features=4,
    hints=("Four things keep parts of `Net` from training: only `head` gets a gradient, one "
           "layer is never used, and `scale` is not trained at all.",
           "Look at `self.aux`, `self.scale = torch.ones(1)`, the `with torch.no_grad():` block "
           "around the encoder, and the numpy round-trip of the clip.",
           "Delete `self.aux`; `self.scale = nn.Parameter(torch.ones(1))`; compute the encoder "
           "outside `no_grad`; clip in torch: `h = torch.clamp(h, 0.0, 3.0)`."),
    right=(Edit("h = torch.clamp(h, 0.0, 3.0)", "h = h.clamp(max=3.0)"),
           Edit("h = torch.clamp(h, 0.0, 3.0)", "h = torch.clamp(h, min=0.0, max=3.0)")),
    wrong=(Edit("self.scale = nn.Parameter(torch.ones(1))", "self.scale = torch.ones(1)",
                "`scale` is a plain tensor"),
           Edit("        h = torch.tanh(self.encoder(x))\n",
                "        with torch.no_grad():\n            h = torch.tanh(self.encoder(x))\n",
                "no_grad"),
           Edit("h = torch.clamp(h, 0.0, 3.0)",
                "h = torch.from_numpy(np.clip(h.detach().numpy(), 0.0, 3.0))", "numpy"),
           Edit("self.head = nn.Linear(32, 1)",
                "self.head = nn.Linear(32, 1)\n        self.aux = nn.Linear(32, 1)",
                "parameters the reference does not: `aux.weight`, `aux.bias`"),
           Edit("h = torch.clamp(h, 0.0, 3.0)", "h = h.detach().clamp(0.0, 3.0)",
                ".detach() cut hidden.weight")),
)
