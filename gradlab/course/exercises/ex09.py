"""Exercise 09 · the training loop (lesson 09_training_loop)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def train():
    w = torch.zeros(3, 1, requires_grad=True)
    for _ in range(3):
        loss = F.mse_loss(x @ w, y)
        loss.backward()
        with torch.no_grad():
            w = w - 0.1 * w.grad
    return locals()
"""

SOLUTION = """\
def train():
    w = torch.zeros(3, 1, requires_grad=True)
    for _ in range(3):
        loss = F.mse_loss(x @ w, y)
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
        w.grad = None
    return locals()
"""

EXERCISE = Exercise(
    name="train",
    lesson="09_training_loop",
    goal="after three steps of gradient descent with learning rate 0.1 on the MSE loss of "
         "`x @ w` against `y`, starting from zeros, `w` holds the reference's values and "
         "`loss` is the third step's loss.",
    starter=STARTER,
    solution=SOLUTION,
    parameters=False,
    forward=(),
    gradients=False,
    quantities={"w": "the weights after three steps", "loss": "the third step's loss"},
    hints=("The second step raises: its loss does not require grad, because `w` is no longer "
           "the leaf that requires it.",
           "Look at `w = w - 0.1 * w.grad` under `torch.no_grad()`: it makes a new tensor without "
           "history and rebinds the name `w` to it. Then check what `w.grad` holds at the next "
           "backward.",
           "Update the same leaf in place, `w -= 0.1 * w.grad` under `torch.no_grad()`, and "
           "clear the gradient after each step: `w.grad = None`."),
    right=(Edit("        w.grad = None\n", "        w.grad.zero_()\n"),
           Edit("    w = torch.zeros(3, 1, requires_grad=True)\n    for _ in range(3):\n",
                "    w = torch.zeros(3, 1, requires_grad=True)\n"
                "    optimizer = torch.optim.SGD([w], lr=0.1)\n"
                "    for _ in range(3):\n        optimizer.zero_grad()\n"),
           Edit("        loss.backward()\n        with torch.no_grad():\n"
                "            w -= 0.1 * w.grad\n        w.grad = None\n",
                "        (grad,) = torch.autograd.grad(loss, w)\n"
                "        with torch.no_grad():\n            w -= 0.1 * grad\n")),
    wrong=(Edit("            w -= 0.1 * w.grad\n", "            w = w - 0.1 * w.grad\n",
                "element 0 of tensors does not require grad"),
           Edit("        w.grad = None\n", "", "`w` (the weights after three steps) differs"),
           Edit("        with torch.no_grad():\n            w -= 0.1 * w.grad\n",
                "        w -= 0.1 * w.grad\n",
                "a leaf Variable that requires grad is being used in an in-place operation")),
)
