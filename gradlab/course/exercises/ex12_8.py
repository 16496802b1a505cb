"""Capstone case 12.8 · a safe division that is not safe for backward (lesson 12_capstone):
reduced from a real report; silent, NaN gradients."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def group_step():
    model = nn.Linear(3, 1)
    group = torch.arange(16) % 2  # each sample's group: 0, 1 or 2
    target = torch.tensor([0.5, -0.5, 0.0])  # each group's mean score
    score = model(x).squeeze(1)
    one_hot = F.one_hot(group, 3).float()
    total, count = score @ one_hot, one_hot.sum(0)
    group_mean = torch.where(count > 0, total / count, torch.zeros_like(total))
    loss = ((group_mean - target) ** 2).sum()
    loss.backward()
    return locals()
"""

_WHERE = "torch.where(count > 0, total / count, torch.zeros_like(total))"
_CLAMP = "total / count.clamp(min=1)"
SOLUTION = STARTER.replace(_WHERE, _CLAMP)

EXERCISE = Exercise(
    name="group_step",
    lesson="12_capstone",
    goal="`group_step` scores each sample, averages the scores per group (a group with no sample "
         "in the batch has mean 0) and back-propagates the squared distance of the group means "
         "to `target`. `group_mean`, `loss` and every parameter's gradient (finite numbers) are "
         "compared with the reference.",
    starter=STARTER,
    solution=SOLUTION,
    forward=("group_mean", "loss"),
    source="https://github.com/pytorch/pytorch/issues/52248",
    hints=("The loss is a finite number, yet every gradient of `model` is NaN: one value in the "
           "forward is 0/0, and its NaN comes back in the backward.",
           "Look at `torch.where(count > 0, total / count, ...)`: the branch it does not pick is "
           "still computed, and its backward multiplies a zero gradient by 1/0.",
           "Make the division safe before it happens: `group_mean = total / count.clamp(min=1)` "
           "(an empty group divides 0 by 1)."),
    right=(Edit(_CLAMP, "torch.where(count > 0, total / count.clamp(min=1), "
                        "torch.zeros_like(total))"),
           Edit(_CLAMP, "total / torch.where(count > 0, count, torch.ones_like(count))")),
    wrong=(Edit(_CLAMP, _WHERE, "`weight.grad` holds NaN or Inf"),
           Edit(_CLAMP, "torch.nan_to_num(total / count)", "`weight.grad` holds NaN or Inf"),
           Edit(_CLAMP, "total / (count + 1)", "`group_mean` differs")),
)
