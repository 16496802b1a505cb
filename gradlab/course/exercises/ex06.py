"""Exercise 06 · backward twice (lesson 06_double_backward). Reduced from a real report: a PPO
update that computes the advantages once and reuses them in every mini-epoch
(github.com/hijkzzz/pymarl2/issues/46)."""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def ppo_update():
    actor, critic = nn.Linear(3, 2), nn.Linear(3, 1)
    optimizer = torch.optim.SGD([*actor.parameters(), *critic.parameters()], lr=0.1)
    obs, rewards, actions = x, y.squeeze(1), (y.squeeze(1) > 0).long()
    old_log_pi = actor(obs).log_softmax(-1).gather(1, actions[:, None]).squeeze(1).detach()
    advantages = rewards - critic(obs).squeeze(-1)
    for epoch in range(2):
        log_pi = actor(obs).log_softmax(-1).gather(1, actions[:, None]).squeeze(1)
        ratios = torch.exp(log_pi - old_log_pi)
        policy_loss = -torch.min(ratios * advantages,
                                 ratios.clamp(0.8, 1.2) * advantages).mean()
        critic_loss = (rewards - critic(obs).squeeze(-1)).pow(2).mean()
        loss = policy_loss + 0.5 * critic_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return locals()
"""

SOLUTION = STARTER.replace(
    "    advantages = rewards - critic(obs).squeeze(-1)\n",
    "    advantages = (rewards - critic(obs).squeeze(-1)).detach()  # targets: no graph\n")

_TIP = ("tip: once the advantages are detached, `retain_graph=True` is not needed: it only "
        "keeps the graph's saved tensors alive until the next forward.")

_ALIAS = "    advantages = rewards - critic(obs).squeeze(-1)\n"

EXERCISE = Exercise(
    name="ppo_update",
    lesson="06_double_backward",
    goal="`ppo_update` runs its two mini-epochs without error; the advantages are fixed targets "
         "(no gradient flows through them into the critic, which learns from `critic_loss` "
         "only), so after the last epoch every parameter of `actor` and `critic` holds the "
         "reference's gradient.",
    starter=STARTER,
    solution=SOLUTION,
    forward=(),  # epoch 2's loss follows from epoch 1's step: the gradients tell more
    parameters=False,  # the loop steps the optimizer: the grader would read the stepped values
    tips={"retain_graph": _TIP},
    hints=("The second mini-epoch's `loss.backward()` raises: it goes back through part of a "
           "graph that the first epoch's backward already freed.",
           "Look at `advantages`: it is computed once, before the loop, from `critic(obs)`, and "
           "every epoch's `policy_loss` goes back through it into the critic.",
           "The advantages are targets: cut their history once, "
           "`advantages = (rewards - critic(obs).squeeze(-1)).detach()`."),
    right=(Edit("        loss.backward()\n", "        loss.backward(retain_graph=True)\n"),
           Edit("(rewards - critic(obs).squeeze(-1)).detach()  # targets: no graph",
                "rewards - critic(obs).squeeze(-1).detach()"),
           Edit("    advantages = (rewards - critic(obs).squeeze(-1)).detach()  # targets: no "
                "graph\n",
                "    with torch.no_grad():\n"
                "        advantages = rewards - critic(obs).squeeze(-1)\n"),
           Edit("    advantages = (rewards - critic(obs).squeeze(-1)).detach()  # targets: no "
                "graph\n", _ALIAS + "    advantages = advantages.detach()\n")),
    wrong=(Edit("(rewards - critic(obs).squeeze(-1)).detach()  # targets: no graph",
                "rewards - critic(obs).squeeze(-1)",
                "Trying to backward through the graph a second time"),
           Edit("(rewards - critic(obs).squeeze(-1)).detach()  # targets: no graph",
                "rewards.detach() - critic(obs).squeeze(-1)",
                "Trying to backward through the graph a second time"),
           Edit("    advantages = (rewards - critic(obs).squeeze(-1)).detach()  # targets: no "
                "graph\n    for epoch in range(2):\n",
                "    for epoch in range(2):\n"
                "        advantages = rewards - critic(obs).squeeze(-1)\n",
                "`critic.weight.grad` by"),
           Edit(".squeeze(1).detach()", ".squeeze(1)",
                "Trying to backward through the graph a second time")),
)
