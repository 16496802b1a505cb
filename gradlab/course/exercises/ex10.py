"""Exercise 10 · debug your own model (lesson 10_debug_your_own): a gated regressor with three
bugs of three families, none of them the lesson's script: layers kept in a Python list (lesson
02), a `.detach()` on a skip connection (lesson 04), an in-place product on a sigmoid's output
(lesson 05)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = [nn.Linear(5, 16), nn.Linear(16, 16)]
        self.gate = nn.Linear(5, 16)
        self.skip = nn.Linear(5, 16)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        h = torch.tanh(self.blocks[0](x))
        h = torch.tanh(self.blocks[1](h))
        g = torch.sigmoid(self.gate(x))
        g *= h                                     # gate the features
        g = g + self.skip(x).detach()              # "keep the skip path stable"
        return self.out(g)
"""

SOLUTION = """\
class Gated(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(5, 16), nn.Linear(16, 16)])
        self.gate = nn.Linear(5, 16)
        self.skip = nn.Linear(5, 16)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        h = torch.tanh(self.blocks[0](x))
        h = torch.tanh(self.blocks[1](h))
        g = torch.sigmoid(self.gate(x))
        g = g * h                                  # gate the features
        g = g + self.skip(x)
        return self.out(g)
"""

EXERCISE = Exercise(
    name="Gated",
    lesson="10_debug_your_own",
    goal="`Gated` trains every layer it defines: `blocks.0`, `blocks.1`, `gate`, `skip` and "
         "`out` are parameters of the model (under those names, so the optimizer updates "
         "them), one MSE step on `x`, `y` runs without an error, and every parameter gets the "
         "reference's gradient; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    features=5,
    hints=("Three things: backward raises about an in-place change; the two `blocks` never "
           "reach the optimizer; and `skip` gets no gradient.",
           "Look at `self.blocks = [...]` (a Python list), `g *= h` right after "
           "`torch.sigmoid` (sigmoid saved `g` for its backward), and `.detach()` on "
           "`self.skip(x)`.",
           "`self.blocks = nn.ModuleList([...])`; `g = g * h` (out of place); "
           "`g = g + self.skip(x)` without `.detach()`."),
    right=(Edit("nn.ModuleList([nn.Linear(5, 16), nn.Linear(16, 16)])",
                "nn.Sequential(nn.Linear(5, 16), nn.Linear(16, 16))"),
           Edit("g = g * h ", "g = torch.mul(g, h) "),
           Edit("        g = g * h                                  # gate the features\n"
                "        g = g + self.skip(x)\n",
                "        g = g * h + self.skip(x)\n")),
    wrong=(Edit("nn.ModuleList([nn.Linear(5, 16), nn.Linear(16, 16)])",
                "[nn.Linear(5, 16), nn.Linear(16, 16)]", "blocks"),
           Edit("g = g * h ", "g *= h ", "modified by an inplace operation"),
           Edit("g = g + self.skip(x)", "g = g + self.skip(x).detach()", "skip.weight"),
           Edit("g = g + self.skip(x)", "g = g.detach() + self.skip(x)", "gate.weight")),
)
