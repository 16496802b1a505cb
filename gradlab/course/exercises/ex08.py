"""Exercise 08 · silent gradients: zero, NaN and wrong (lesson 08_silent_gradients)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class Quantized(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        out = self.fc(x)
        return out.round()
"""

SOLUTION = """\
class Quantized(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x):
        out = self.fc(x)
        return out + (out.round() - out).detach()
"""

_STE = "return out + (out.round() - out).detach()"

EXERCISE = Exercise(
    name="Quantized",
    lesson="08_silent_gradients",
    goal="`Quantized` outputs `fc(x)` rounded to whole numbers, and `fc.weight` and `fc.bias` "
         "get the gradient they would get without the rounding (a straight-through estimator) "
         "from one MSE loss on `x`, `y`.",
    starter=STARTER,
    solution=SOLUTION,
    hints=("Nothing raises, yet `fc` never learns: its gradients are all zero.",
           "Look at `out.round()`: its derivative is zero almost everywhere, so every gradient "
           "behind it is multiplied by 0.",
           "Keep the rounded value in the forward but let the gradient through unchanged: "
           f"`{_STE}`."),
    right=(Edit(_STE, "return out.round().detach() + out - out.detach()"),
           Edit(_STE, "with torch.no_grad():\n            step = out.round() - out\n"
                      "        return out + step")),
    wrong=(Edit(_STE, "return out.round()",
                "reach the loss only through round(), whose derivative is zero"),
           Edit(_STE, "return out + (out.round() - out)",
                "`fc.weight.grad` differs from the reference by 100 % (all zero)"),
           Edit(_STE, "return out - (out.round() - out).detach()", "`output` differs"),
           Edit(_STE, "return out", "`output` differs")),
)
