"""Exercise 09 · the training loop (lesson 09_training_loop).

Reduced from the fine-tuning reports in tests/realworld/cases (a layer replaced after the
optimizer was built): the new head is trained by no optimizer."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def finetune():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 4))  # "pretrained", 4 classes
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model[2] = nn.Linear(8, 1)  # a new head for our task: one output
    for step in range(3):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        prediction = model(x)
    return locals()
"""

_EARLY = """\
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model[2] = nn.Linear(8, 1)  # a new head for our task: one output
"""
_AFTER = """\
    model[2] = nn.Linear(8, 1)  # a new head for our task: one output
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
"""

SOLUTION = STARTER.replace(_EARLY, _AFTER)

EXERCISE = Exercise(
    name="finetune",
    lesson="09_training_loop",
    goal="`finetune` replaces the head of the model with `nn.Linear(8, 1)` and then trains the "
         "whole model (body and new head) for three SGD steps, learning rate 0.1, on the MSE "
         "loss of `model(x)` against `y`: its predictions on `x` then match the reference's and "
         "`loss` is the third step's loss.",
    starter=STARTER,
    solution=SOLUTION,
    parameters=False,
    forward=(),
    gradients=False,
    quantities={"prediction": "the model's output on `x` after the three steps",
                "loss": "the third step's loss"},
    hints=("Nothing raises, but the new head never changes: its weights after three steps are "
           "the ones it started with.",
           "Look at the order of the two lines before the loop: which parameters did "
           "`model.parameters()` list when the optimizer was built?",
           "Build the optimizer after the model is complete: move "
           "`optimizer = torch.optim.SGD(model.parameters(), lr=0.1)` below `model[2] = ...`."),
    right=(Edit(_AFTER, _EARLY + "    optimizer.add_param_group("
                                 "{\"params\": model[2].parameters()})\n"),
           Edit(_AFTER, _EARLY + "    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"),
           Edit("        optimizer.zero_grad()\n", "        model.zero_grad()\n")),
    wrong=(Edit(_AFTER, _EARLY, "`prediction`"),
           Edit(_AFTER, _AFTER.replace("SGD(model.parameters()", "SGD(model[2].parameters()"),
                "`prediction`"),
           Edit("        optimizer.zero_grad()\n", "", "the third step's loss"),
           Edit(_AFTER, _AFTER.replace("lr=0.1", "lr=0.01"), "the third step's loss")),
)
