"""Capstone case 12.2 · a normalisation that hides half its gradient (lesson 12_capstone)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class Normed(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 8)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        h = self.fc(x)
        h = (h - h.mean(0)) / h.data.std(0)
        return self.out(h)
"""

SOLUTION = STARTER.replace("h.data.std(0)", "h.std(0)")

EXERCISE = Exercise(
    name="Normed",
    lesson="12_capstone",
    goal="`Normed` standardises `fc(x)` over the batch (minus the mean, divided by the standard "
         "deviation) before `out`; after one MSE loss on `x`, `y` every parameter gets the "
         "gradient of that computation; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    hints=("Nothing raises and the loss goes down, but `fc` gets a wrong gradient: part of "
           "what the forward computes is invisible to autograd.",
           "Look at the standard deviation in `forward`: it is taken of `h.data`.",
           "Divide by `h.std(0)`: autograd then sees that the scale depends on `fc`."),
    right=(Edit("h = (h - h.mean(0)) / h.std(0)",
                "h = (h - h.mean(0, keepdim=True)) / h.std(0, keepdim=True)"),
           Edit("h = (h - h.mean(0)) / h.std(0)",
                "mean, std = h.mean(0), h.std(0)\n        h = (h - mean) / std")),
    wrong=(Edit("h.std(0)", "h.data.std(0)", "`fc.weight.grad` differs from the reference by"),
           Edit("h.std(0)", "h.detach().std(0)", "`fc.weight.grad` differs from the reference by"),
           Edit("h.std(0)", "h.std(0, unbiased=False)", "`output` differs")),
)
