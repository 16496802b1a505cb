"""Capstone case 12.1 · a target network (lesson 12_capstone): a correct idiom to leave alone."""

from gradlab.course.exercise import Edit, Exercise

SOLUTION = """\
def td_step():
    q_net, target_net = nn.Linear(3, 2), nn.Linear(3, 2)
    target_net.load_state_dict(q_net.state_dict())
    optimizer = torch.optim.SGD(q_net.parameters(), lr=0.1)
    q = q_net(x).max(1, keepdim=True).values
    next_q = target_net(x.roll(1, 0)).max(1, keepdim=True).values
    target = y + 0.9 * next_q.detach()
    loss = F.mse_loss(q, target)
    loss.backward()
    return locals()
"""

EXERCISE = Exercise(
    name="td_step",
    lesson="12_capstone",
    goal="one temporal-difference step: `q_net` learns towards `target`, which the frozen copy "
         "`target_net` computes; find what is wrong in `td_step` and fix it, or leave it as it "
         "is if nothing is. `q`, `target`, `loss` and every parameter's gradient are compared.",
    starter=SOLUTION,
    solution=SOLUTION,
    forward=("q", "target", "loss"),
    hints=("Nothing is wrong here: the loss trains `q_net` and sends no gradient into "
           "`target_net`, which is what a target network is for.",
           "`next_q.detach()` is the line that looks suspicious, and it is on purpose: the "
           "target is a constant for this step.",
           "Leave `td_step` as it is; removing `.detach()` would train `target_net` through "
           "its own target."),
    right=(Edit("target = y + 0.9 * next_q.detach()",
                "with torch.no_grad():\n        target = y + 0.9 * next_q"),
           Edit("target = y + 0.9 * next_q.detach()", "target = (y + 0.9 * next_q).detach()")),
    wrong=(Edit("next_q.detach()", "next_q",
                "`target_net.weight.grad` should stay None"),
           Edit("0.9 * next_q", "0.99 * next_q", "`target` differs"),
           Edit("loss = F.mse_loss(q, target)", "loss = F.mse_loss(q.detach(), target)",
                "does not require grad")),
)
