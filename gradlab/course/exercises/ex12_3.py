"""Capstone case 12.3 · a perturbation scaled through `.data` (lesson 12_capstone): reduced
from a real report; silent, a wrong gradient."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
class Perturb(nn.Module):
    def __init__(self):
        super().__init__()
        self.gen = nn.Linear(3, 3)
        self.clf = nn.Linear(3, 1).requires_grad_(False)  # the pretrained classifier

    def forward(self, x):
        delta = torch.tanh(self.gen(x))
        l_inf = delta.detach().abs().amax(1, keepdim=True)
        scale = (0.5 / l_inf).clamp(max=1.0)  # bound each row's largest entry by 0.5
        delta.data.mul_(scale)
        return self.clf(x + delta)
"""

SOLUTION = STARTER.replace("delta.data.mul_(scale)", "delta = delta * scale")

EXERCISE = Exercise(
    name="Perturb",
    lesson="12_capstone",
    goal="`Perturb`'s generator `gen` makes a perturbation `delta`, scaled so that each row's "
         "largest entry is at most 0.5 (the bound is measured without gradient, a constant for "
         "backward), and the frozen classifier `clf` reads `x + delta`. After one MSE loss on "
         "`x`, `y`, `gen` gets the gradient of that computation, scaling included; `clf` stays "
         "frozen; the output is unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    source="https://github.com/OmidPoursaeed/Generative_Adversarial_Perturbations/issues/4",
    hints=("Nothing raises and the output is right, but `gen` learns from a wrong gradient: "
           "part of what the forward computes is invisible to autograd.",
           "Look at the line that scales `delta`: it changes `delta.data` in place, behind "
           "autograd's back (and under the tanh's saved output).",
           "Scale out of place, where autograd sees it: `delta = delta * scale`."),
    right=(Edit("delta = delta * scale", "delta = scale * delta"),
           Edit("delta = delta * scale", "delta = delta.mul(scale)")),
    wrong=(Edit("delta = delta * scale", "delta.data.mul_(scale)",
                "`gen.weight.grad` differs from the reference by"),
           Edit("delta = delta * scale", "delta = delta.detach() * scale",
                "does not require grad"),
           Edit("l_inf = delta.detach().abs()", "l_inf = delta.abs()",
                "`gen.weight.grad` differs from the reference by"),
           Edit("clamp(max=1.0)", "clamp(max=2.0)", "`output` differs")),
)
