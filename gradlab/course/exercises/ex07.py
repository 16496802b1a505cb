"""Exercise 07 · `.grad` on a non-leaf (lesson 07_non_leaf_grad)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def inspect():
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh())
    head = nn.Linear(8, 1)
    h = model(x)
    loss = F.mse_loss(head(h), y)
    loss.backward()
    hidden_grad = h.grad
    return locals()
"""

SOLUTION = """\
def inspect():
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh())
    head = nn.Linear(8, 1)
    h = model(x)
    h.retain_grad()
    loss = F.mse_loss(head(h), y)
    loss.backward()
    hidden_grad = h.grad
    return locals()
"""

_BACKWARD = "    h.retain_grad()\n    loss = F.mse_loss(head(h), y)\n    loss.backward()\n"

EXERCISE = Exercise(
    name="inspect",
    lesson="07_non_leaf_grad",
    goal="`hidden_grad` is the gradient of the loss with respect to `h` (a tensor of the shape "
         "of `h`); `h` and `loss` are unchanged. Whether the parameters' `.grad` are filled "
         "does not matter.",
    starter=STARTER,
    solution=SOLUTION,
    parameters=False,
    forward=("h", "loss"),
    gradients=False,
    quantities={"hidden_grad": "the gradient of the loss with respect to `h`"},
    hints=("`hidden_grad` comes out None, with a warning that a non-leaf tensor's `.grad` is "
           "being read.",
           "`h = model(x)` is the output of an op, not a leaf: backward passes its gradient on "
           "and keeps none in `h.grad`.",
           "Ask for it before backward: `h.retain_grad()` before `loss.backward()` (or "
           "`hidden_grad, = torch.autograd.grad(loss, h)`, or a hook on `h`)."),
    right=(Edit(_BACKWARD + "    hidden_grad = h.grad\n",
                "    grads = []\n    h.register_hook(grads.append)\n"
                "    loss = F.mse_loss(head(h), y)\n    loss.backward()\n"
                "    hidden_grad = grads[0]\n"),
           Edit(_BACKWARD + "    hidden_grad = h.grad\n",
                "    loss = F.mse_loss(head(h), y)\n"
                "    (hidden_grad,) = torch.autograd.grad(loss, h)\n"),
           Edit(_BACKWARD + "    hidden_grad = h.grad\n",
                "    loss = F.mse_loss(head(h), y)\n"
                "    (hidden_grad,) = torch.autograd.grad(loss, h, retain_graph=True)\n"
                "    loss.backward()\n")),
    wrong=(Edit(_BACKWARD, "    loss = F.mse_loss(head(h), y)\n    loss.backward()\n"
                           "    h.retain_grad()\n", "`hidden_grad` (the gradient of the loss "
                                                    "with respect to `h`) is None"),
           Edit("hidden_grad = h.grad", "hidden_grad = model[0].weight.grad",
                "`hidden_grad` (the gradient of the loss with respect to `h`) has shape (8, 3), "
                "the reference's (16, 8)"),
           Edit("    h.retain_grad()\n", "", ".grad read on h, a non-leaf"),
           Edit("hidden_grad = h.grad", "hidden_grad = head.weight.grad", "has shape (1, 8)"),
           Edit("hidden_grad = h.grad", "grad_h = h.grad",
                "`hidden_grad` (the gradient of the loss with respect to `h`) is not among")),
)
