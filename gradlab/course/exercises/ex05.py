"""Exercise 05 · in-place changes (lesson 05_in_place)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        g = torch.sigmoid(self.fc(x))
        g.clamp_(0.1, 0.9)
        return g * x.sum(1, keepdim=True)
"""

SOLUTION = """\
class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        g = torch.sigmoid(self.fc(x))
        g = g.clamp(0.1, 0.9)
        return g * x.sum(1, keepdim=True)
"""

EXERCISE = Exercise(
    name="Gate",
    lesson="05_in_place",
    goal="`Gate` multiplies the row sums of `x` by a gate sigmoid(fc(x)) clamped to [0.1, 0.9], "
         "and backward runs: after one MSE loss on `x`, `y`, `fc.weight` and `fc.bias` get the "
         "reference's gradient; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    spread=8.0,  # the clamp cuts rows at both ends
    hints=("Backward raises: a tensor it needs was modified by an in-place operation after the "
           "forward pass saved it.",
           "Look at `g.clamp_(0.1, 0.9)`: sigmoid saved its output `g` to compute its own "
           "derivative, and the trailing `_` overwrites it.",
           "Use the out-of-place op: `g = g.clamp(0.1, 0.9)`."),
    right=(Edit("g = g.clamp(0.1, 0.9)", "g = g.clone().clamp_(0.1, 0.9)"),
           Edit("g = g.clamp(0.1, 0.9)", "g = torch.clamp(g, min=0.1, max=0.9)")),
    wrong=(Edit("g = g.clamp(0.1, 0.9)", "g.data.clamp_(0.1, 0.9)",
                "changed in place through .data (clamp_"),
           Edit("g = g.clamp(0.1, 0.9)", "g.clamp_(0.1, 0.9)", "modified by an inplace operation"),
           Edit("g = g.clamp(0.1, 0.9)", "g = g.detach().clamp(0.1, 0.9)",
                ".detach() cut fc.weight"),
           Edit("g = g.clamp(0.1, 0.9)", "g = g.clamp(0.1, 0.8)", "`output` differs")),
)
