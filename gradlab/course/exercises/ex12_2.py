"""Capstone case 12.2 · learning from the validation batch (lesson 12_capstone): reduced from
a real report."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def val_step():
    depth = nn.Linear(3, 1)
    optimizer = torch.optim.Adam(depth.parameters(), lr=1e-4)
    depth.eval()
    with torch.no_grad():
        losses = (torch.sigmoid(depth(x)) - y).abs().mean()
        # also learn from the validation batch
        optimizer.zero_grad()
        losses.backward()
    depth.train()
    return locals()
"""

SOLUTION = """\
def val_step():
    depth = nn.Linear(3, 1)
    optimizer = torch.optim.Adam(depth.parameters(), lr=1e-4)
    depth.eval()
    losses = (torch.sigmoid(depth(x)) - y).abs().mean()
    # also learn from the validation batch
    optimizer.zero_grad()
    losses.backward()
    depth.train()
    return locals()
"""

_BLOCK = """\
    losses = (torch.sigmoid(depth(x)) - y).abs().mean()
    # also learn from the validation batch
    optimizer.zero_grad()
    losses.backward()
"""

EXERCISE = Exercise(
    name="val_step",
    lesson="12_capstone",
    goal="`val_step` measures `losses` on the validation batch `x`, `y` and also learns from it: "
         "after `losses.backward()` every parameter of `depth` holds the gradient of `losses` "
         "(the optimizer's step is left out, so that the gradients can be compared). `losses` "
         "and every parameter's gradient are compared with the reference.",
    starter=STARTER,
    solution=SOLUTION,
    forward=("losses",),
    source="https://github.com/nianticlabs/monodepth2/issues/24",
    hints=("`losses` has no history: nothing it was computed from records a graph, so "
           "backward has nothing to go back through.",
           "Look at the block `losses` is computed in: `with torch.no_grad():` switches graph "
           "recording off for everything inside it.",
           "Compute `losses` and call `losses.backward()` outside `torch.no_grad()` (remove the "
           "`with` line and dedent its body), or wrap them in `torch.enable_grad()`."),
    right=(Edit(_BLOCK, "    with torch.enable_grad():\n" + _BLOCK.replace("    ", "        ")),
           Edit(_BLOCK, "    with torch.set_grad_enabled(True):\n"
                + _BLOCK.replace("    ", "        "))),
    wrong=(Edit(_BLOCK, "    with torch.no_grad():\n" + _BLOCK.replace("    ", "        ")
                .replace("losses.backward()", "losses.requires_grad_()\n        losses.backward()"),
                "`weight.grad` is None after your version ran"),
           Edit(_BLOCK, "    with torch.no_grad():\n" + _BLOCK.replace("    ", "        "),
                "does not require grad"),
           Edit("    losses.backward()\n", "", "your version never calls backward")),
)
