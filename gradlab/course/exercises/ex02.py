"""Exercise 02 · the weight that never asked for a gradient (lesson 02_missing_requires_grad)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.scale = torch.ones(1)

    def forward(self, x):
        return self.scale * self.linear(x)
"""

SOLUTION = """\
class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.scale * self.linear(x)
"""

EXERCISE = Exercise(
    name="Scaled",
    lesson="02_missing_requires_grad",
    goal="`Scaled` trains all of its weights: `linear.weight`, `linear.bias` and `scale` "
         "(starting at 1) are parameters of the model, and after one MSE loss on `x`, `y` each "
         "gets the reference's gradient; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    hints=("`scale` never changes during training: the optimizer is never given it, and "
           "backward never fills a `.grad` for it.",
           "Look at `self.scale = torch.ones(1)` in `__init__`: `model.parameters()` lists only "
           "`linear.weight` and `linear.bias`.",
           "Register it as a parameter: `self.scale = nn.Parameter(torch.ones(1))`."),
    right=(Edit("return self.scale * self.linear(x)", "return self.linear(x) * self.scale"),
           Edit("self.scale = nn.Parameter(torch.ones(1))",
                "self.register_parameter('scale', nn.Parameter(torch.ones(1)))")),
    wrong=(Edit("self.scale = nn.Parameter(torch.ones(1))",
                "self.scale = torch.ones(1, requires_grad=True)", "`scale` is a plain tensor"),
           Edit("nn.Parameter(torch.ones(1))", "nn.Parameter(torch.ones(1), requires_grad=False)",
                "`scale` has requires_grad=False"),
           Edit("return self.scale * self.linear(x)",
                "return self.scale.detach() * self.linear(x)", "`scale.grad` is None"),
           Edit("torch.ones(1)", "torch.zeros(1)", "`scale` starts from other values")),
)
