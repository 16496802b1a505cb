"""Exercise 04 · `.detach()` and the numpy round-trip (lesson 04_detach_and_numpy).

Reduced from a real report: https://github.com/laekov/fastmoe/issues/49 (a mixture-of-experts
load-balance loss rebuilt with `torch.tensor(list)`: "the balance loss is not optimized").
"""

from gradlab.course.exercise import Edit, Exercise

STARTER = """\
def moe_step():
    gates = nn.ModuleList([nn.Linear(3, 2) for _ in range(2)])
    expert = nn.Linear(3, 1)
    optimizer = torch.optim.SGD([*gates.parameters(), *expert.parameters()], lr=0.1)
    output, balance_terms = 0, []
    for gate in gates:
        probs = gate(x).softmax(-1)
        output = output + expert(x) * probs[:, :1]
        balance_terms.append((probs.mean(0) ** 2).sum() * 2)   # load balance of this gate
    balance = torch.tensor(balance_terms).mean()
    loss = F.mse_loss(output, y) + 0.1 * balance
    loss.backward()
    return locals()
"""

SOLUTION = STARTER.replace("torch.tensor(balance_terms).mean()",
                           "torch.stack(balance_terms).mean()")

EXERCISE = Exercise(
    name="moe_step",
    lesson="04_detach_and_numpy",
    goal="one step of a two-gate mixture of experts whose loss is the fit plus 0.1 times the "
         "mean load-balance term: `output`, `balance` and `loss` are unchanged, and every "
         "parameter (the gates' and the expert's) gets the reference's gradient, which includes "
         "the balance term's.",
    starter=STARTER,
    solution=SOLUTION,
    forward=("output", "balance", "loss"),
    hints=("Nothing raises, but the gates' gradients lack the balance term: the balance loss "
           "never trains the gates (torch warns when the loss is built).",
           "Look at `balance = torch.tensor(balance_terms).mean()`: `torch.tensor(...)` copies "
           "the numbers into a new leaf with no history.",
           "Combine the terms with an op that keeps history: "
           "`balance = torch.stack(balance_terms).mean()`."),
    right=(Edit("torch.stack(balance_terms).mean()",
                "sum(balance_terms) / len(balance_terms)"),
           Edit("torch.stack(balance_terms).mean()",
                "torch.cat([t.unsqueeze(0) for t in balance_terms]).mean()")),
    wrong=(Edit("torch.stack(balance_terms).mean()",
                "torch.tensor([t.item() for t in balance_terms]).mean()", "differs"),
           Edit("torch.stack(balance_terms).mean()",
                "torch.stack(balance_terms).detach().mean()", "differs"),
           Edit("torch.stack(balance_terms).mean()",
                "torch.tensor(balance_terms, requires_grad=True).mean()", "differs"),
           Edit("+ 0.1 * balance", "+ balance", "`loss` differs")),
)
