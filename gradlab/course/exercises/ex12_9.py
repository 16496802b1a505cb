"""Capstone case 12.9 · a saliency map of a normalised image (lesson 12_capstone): reduced
from a real report."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def saliency_map():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5))
    img = x[:1].clone()
    inputs = img.requires_grad_()
    inputs = (inputs - 0.5) / 0.25  # normalise
    output = net(inputs)
    score = output[0, output[0].argmax()]
    score.backward()
    saliency = inputs.grad.abs()
    return locals()
"""

_TWO = """\
    inputs = img.requires_grad_()
    inputs = (inputs - 0.5) / 0.25  # normalise
"""
_ONE = """\
    inputs = ((img - 0.5) / 0.25).requires_grad_()  # normalise
"""
SOLUTION = STARTER.replace(_TWO, _ONE)

EXERCISE = Exercise(
    name="saliency_map",
    lesson="12_capstone",
    goal="`saliency_map` returns `saliency`, the absolute value of the gradient of `score` (the "
         "largest class score of the first sample) with respect to the normalised input "
         "`inputs`, a (1, 3) tensor. `output`, `score` and `saliency` are compared with the "
         "reference; the parameters' gradients are not asked for.",
    starter=STARTER,
    solution=SOLUTION,
    forward=("output", "score"),
    gradients=False,
    quantities={"saliency": "|d score / d inputs|"},
    source="https://github.com/yizt/Grad-CAM.pytorch/issues/27",
    hints=("After `score.backward()`, `inputs.grad` is None: the tensor called `inputs` is not "
           "the one that asked for a gradient.",
           "Look at the two lines that make `inputs`: `requires_grad_()` is on `img`, and the "
           "normalisation then makes a new tensor, computed from it, which keeps no `.grad`.",
           "Normalise first and ask for the gradient on the result: "
           "`inputs = ((img - 0.5) / 0.25).requires_grad_()` (or `inputs.retain_grad()` after "
           "the normalisation)."),
    right=(Edit(_ONE, _TWO + "    inputs.retain_grad()\n"),
           Edit("    score.backward()\n    saliency = inputs.grad.abs()\n",
                "    saliency = torch.autograd.grad(score, inputs)[0].abs()\n")),
    wrong=(Edit(_ONE, "    inputs = (img.requires_grad_() - 0.5) / 0.25\n", "NoneType"),
           Edit("saliency = inputs.grad.abs()", "saliency = inputs.grad",
                "`saliency` (|d score / d inputs|) differs"),
           Edit("score = output[0, output[0].argmax()]", "score = output[0].sum()",
                "`score` differs")),
)
