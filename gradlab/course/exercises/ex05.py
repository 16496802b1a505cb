"""Exercise 05 · in-place changes (lesson 05_in_place). Reduced from a real report: a residual
block that adds its skip connection in place, through a second name for the same tensor
(github.com/Jee-King/TSAN/issues/3, convolutions replaced by `Linear`)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class GatedResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Linear(3, 3)
        self.mix = nn.Linear(3, 3)
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        h = torch.sigmoid(self.gate(x))
        out = h                  # the skip connection
        out += self.mix(h)       # add the residual branch
        return self.head(out)
"""

SOLUTION = """\
class GatedResidual(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Linear(3, 3)
        self.mix = nn.Linear(3, 3)
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        h = torch.sigmoid(self.gate(x))
        out = h + self.mix(h)    # a new tensor: h stays as sigmoid and mix saved it
        return self.head(out)
"""

EXERCISE = Exercise(
    name="GatedResidual",
    lesson="05_in_place",
    goal="`GatedResidual` returns head(h + mix(h)) with h = sigmoid(gate(x)), and backward "
         "runs: after one MSE loss on `x`, `y`, every parameter (`gate`, `mix`, `head`) gets "
         "the reference's gradient; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    hints=("Backward raises: a tensor it needs was modified by an inplace operation after the "
           "forward pass saved it.",
           "Look at `out = h` and `out += self.mix(h)`: `out = h` gives the same tensor a second "
           "name, so `+=` changes sigmoid's output, which sigmoid and `mix` saved.",
           "Add out of place: `out = h + self.mix(h)` (or start from a copy: `out = h.clone()`)."),
    right=(Edit("out = h + self.mix(h)", "out = h.clone()\n        out += self.mix(h)"),
           Edit("out = h + self.mix(h)", "out = torch.add(self.mix(h), h)"),
           Edit("out = h + self.mix(h)", "out = self.mix(h)\n        out += h")),
    wrong=(Edit("out = h + self.mix(h)", "out = h\n        out += self.mix(h)",
                "modified by an inplace operation"),
           Edit("out = h + self.mix(h)", "out = h\n        out.data += self.mix(h)",
                "`mix.weight.grad` is None"),
           Edit("out = h + self.mix(h)", "out = h.detach() + self.mix(h)",
                "gate.weight"),
           Edit("out = h + self.mix(h)", "out = self.mix(h)", "`output` differs")),
)
