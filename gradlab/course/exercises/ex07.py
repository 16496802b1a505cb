"""Exercise 07 · `.grad` on a non-leaf (lesson 07_non_leaf_grad). Reduced from a real report: a
saliency map read from `.grad` of an input normalised after `requires_grad_()`
(github.com/yizt/Grad-CAM.pytorch/issues/27)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def saliency():
    net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
    images = x.clone().requires_grad_()
    inputs = (images - 0.5) / 0.25          # normalise
    scores = net(inputs)
    top = scores.max(1).values.sum()         # each row's best class score
    top.backward()
    input_grad = inputs.grad                 # the saliency map
    return locals()
"""

SOLUTION = """\
def saliency():
    net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 4))
    images = x.clone().requires_grad_()
    inputs = (images - 0.5) / 0.25          # normalise: an op's result, a non-leaf
    inputs.retain_grad()                     # keep its gradient in inputs.grad
    scores = net(inputs)
    top = scores.max(1).values.sum()         # each row's best class score
    top.backward()
    input_grad = inputs.grad                 # the saliency map
    return locals()
"""

_KEEP = "    inputs.retain_grad()                     # keep its gradient in inputs.grad\n"
_FORWARD = ("    scores = net(inputs)\n"
            "    top = scores.max(1).values.sum()         # each row's best class score\n")
_READ = ("    top.backward()\n"
         "    input_grad = inputs.grad                 # the saliency map\n")
_ALL = _KEEP + _FORWARD + _READ

EXERCISE = Exercise(
    name="saliency",
    lesson="07_non_leaf_grad",
    goal="`input_grad` is the gradient of `top` with respect to `inputs`, the normalised input "
         "(a tensor of the shape of `inputs`); `scores` and `top` are unchanged. Whether the "
         "parameters' `.grad` are filled does not matter.",
    starter=STARTER,
    solution=SOLUTION,
    parameters=False,
    forward=("scores", "top"),
    gradients=False,
    quantities={"input_grad": "the gradient of `top` with respect to `inputs`"},
    hints=("`input_grad` comes out None, with a warning that the `.grad` of a non-leaf tensor "
           "is being read.",
           "`images` is the leaf; `inputs = (images - 0.5) / 0.25` is the result of an op, so "
           "backward passes its gradient on and keeps none in `inputs.grad`.",
           "Ask for it before backward: `inputs.retain_grad()` before `top.backward()` (or "
           "`(input_grad,) = torch.autograd.grad(top, inputs)`, or a hook on `inputs`)."),
    right=(Edit(_ALL, "    seen = []\n    inputs.register_hook(seen.append)\n" + _FORWARD
                + "    top.backward()\n    input_grad = seen[0]\n"),
           Edit(_ALL, _FORWARD + "    (input_grad,) = torch.autograd.grad(top, inputs)\n"),
           Edit(_ALL, _FORWARD + "    top.backward()\n"
                "    input_grad = images.grad * 0.25  # chain rule: d inputs / d images\n")),
    wrong=(Edit(_ALL, _FORWARD + _READ + "    inputs.retain_grad()\n",
                "`input_grad` (the gradient of `top` with respect to `inputs`) is None"),
           Edit(_ALL, _FORWARD + "    top.backward()\n    input_grad = images.grad\n",
                "`input_grad` (the gradient of `top` with respect to `inputs`) differs"),
           Edit(_KEEP, "", ".grad read on inputs, a non-leaf"),
           Edit("input_grad = inputs.grad", "input_grad = net[0].weight.grad",
                "has shape (8, 3), the reference's (16, 3)"),
           Edit("input_grad = inputs.grad", "saliency_map = inputs.grad",
                "`input_grad` (the gradient of `top` with respect to `inputs`) is not among")),
)
