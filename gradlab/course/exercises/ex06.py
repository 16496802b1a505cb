"""Exercise 06 · backward twice (lesson 06_double_backward)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def two_heads():
    body, head_a, head_b = nn.Linear(3, 8), nn.Linear(8, 1), nn.Linear(8, 1)
    optimizer = torch.optim.SGD([*body.parameters(), *head_a.parameters(),
                                 *head_b.parameters()], lr=0.1)
    features = torch.relu(body(x))
    loss_a = F.mse_loss(head_a(features), y)
    loss_b = F.mse_loss(head_b(features), -y)
    loss_a.backward()
    loss_b.backward()
    return locals()
"""

SOLUTION = """\
def two_heads():
    body, head_a, head_b = nn.Linear(3, 8), nn.Linear(8, 1), nn.Linear(8, 1)
    optimizer = torch.optim.SGD([*body.parameters(), *head_a.parameters(),
                                 *head_b.parameters()], lr=0.1)
    features = torch.relu(body(x))
    loss_a = F.mse_loss(head_a(features), y)
    loss_b = F.mse_loss(head_b(features), -y)
    loss = loss_a + loss_b
    loss.backward()
    return locals()
"""

_TIP = ("tip: `(loss_a + loss_b).backward()` gives the same gradients in one backward pass, "
        "and frees the graph at once.")

EXERCISE = Exercise(
    name="two_heads",
    lesson="06_double_backward",
    goal="`two_heads` runs without error and leaves in every parameter of `body`, `head_a` and "
         "`head_b` the gradient of `loss_a + loss_b`, all of them given to the optimizer; "
         "`features`, `loss_a` and `loss_b` are unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    forward=("features", "loss_a", "loss_b"),
    tips={"retain_graph": _TIP},
    hints=("The second backward raises: it tries to go through the graph a second time, after "
           "the first backward freed the values it saved.",
           "Look at the two calls `loss_a.backward()` and `loss_b.backward()`: both go back "
           "through `features` and `body`, which they share.",
           "Sum the losses and backward once: `loss = loss_a + loss_b` then `loss.backward()`."),
    right=(Edit("    loss = loss_a + loss_b\n    loss.backward()",
                "    loss_a.backward(retain_graph=True)\n    loss_b.backward()"),
           Edit("    loss = loss_a + loss_b\n    loss.backward()",
                "    torch.autograd.backward([loss_a, loss_b])")),
    wrong=(Edit("head_b(features)", "head_b(features.detach())",
                "`body.weight.grad` differs from the reference by"),
           Edit("loss = loss_a + loss_b", "loss = loss_a + loss_b.detach()",
                "`head_b.weight.grad` is None"),
           Edit("loss = loss_a + loss_b", "loss = (loss_a + loss_b) / 2",
                "0.5× the reference's: as if the loss were scaled by 0.5"),
           Edit("    loss.backward()",
                "    loss_a.backward(retain_graph=True)\n    loss.backward()",
                "2× the reference's: backward ran 2 times"),
           Edit("*head_a.parameters(),\n                                 *head_b.parameters()]",
                "*head_a.parameters()]", "the optimizer does not update `head_b.bias`")),
)
