"""Exercise 03 · the `no_grad` block (lesson 03_no_grad_block).

Reduced from a real report: https://github.com/facebookresearch/dinov2/issues/472 (a depth head
trained on backbone features computed under `torch.inference_mode()`, copied from an inference
cell: "Inference tensors cannot be saved for backward").
"""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def fine_tune_step():
    backbone = nn.Sequential(nn.Linear(3, 8), nn.ReLU())   # pretrained: kept frozen
    head = nn.Linear(8, 1)                                  # the only part that trains
    optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
    with torch.inference_mode():
        features = backbone(x)
    output = head(features)
    loss = F.mse_loss(output, y)
    loss.backward()
    return locals()
"""

SOLUTION = STARTER.replace("torch.inference_mode()", "torch.no_grad()")

EXERCISE = Exercise(
    name="fine_tune_step",
    lesson="03_no_grad_block",
    goal="one training step of `head` on the frozen `backbone`'s features: it runs, `head.weight` "
         "and `head.bias` get the reference's gradient, no gradient reaches `backbone` (its "
         "`.grad` stays None), and `output` and `loss` are unchanged.",
    starter=STARTER,
    solution=SOLUTION,
    parameters=False,  # freezing the backbone with requires_grad_(False) is a right route too
    hints=("`loss.backward()` raises \"Inference tensors cannot be saved for backward\": "
           "`head` needs its input `features` to compute its weight's gradient.",
           "Look at the block around `features = backbone(x)`: `torch.inference_mode()` makes "
           "inference tensors, which no recorded op may save. The backbone should stay "
           "untrained, so a block that records nothing is right; this one is too strict.",
           "Use `with torch.no_grad():` instead of `with torch.inference_mode():`."),
    right=(Edit("    with torch.no_grad():\n        features = backbone(x)\n",
                "    features = backbone(x).detach()\n"),
           Edit("    output = head(features)",
                "    features = features.clone()\n    output = head(features)"),
           Edit("    with torch.no_grad():\n        features = backbone(x)\n",
                "    backbone.requires_grad_(False)\n    features = backbone(x)\n")),
    wrong=(Edit("    with torch.no_grad():\n        features = backbone(x)\n",
                "    features = backbone(x)\n", "`backbone.0.weight.grad` should stay None"),
           Edit("torch.no_grad()", "torch.inference_mode()", "Inference tensors"),
           Edit("    output = head(features)\n    loss = F.mse_loss(output, y)\n",
                "        output = head(features)\n        loss = F.mse_loss(output, y)\n",
                "does not require grad")),
)
