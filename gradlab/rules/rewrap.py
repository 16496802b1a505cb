"""Re-wrapping: a fresh leaf built from tensors that had history, or a loss that is a leaf.

What: `torch.tensor(...)`, `torch.Tensor(...)`, `torch.as_tensor(...)` of tensors (or of
`.item()` / `.tolist()` values) that required grad, with `requires_grad=True`: the result is a
new leaf, so gradient stops there. And a loss that is itself a leaf requiring grad
(`Variable(loss, requires_grad=True)`, `loss.requires_grad = True`): backward fills only
`loss.grad`. (Without `requires_grad=True` the re-wrap is a cut: see cuts.py.) And, when the
loss has no history at all, the trainable tensors that went through `.item()` / `float()` (as
`torch.Tensor([a, b])` does) on the way.

Why: the sources get no gradient and never train; `requires_grad=True` silences the error that
would have said so.

Known problems: silent on `torch.tensor` of plain numbers, of numpy targets, or of tensors
that do not require grad.

Example:
    R = torch.tensor([[torch.cos(theta), -torch.sin(theta)],
                      [torch.sin(theta), torch.cos(theta)]], requires_grad=True)

Use instead:
    R = torch.stack([torch.stack([torch.cos(theta), -torch.sin(theta)]),
                     torch.stack([torch.sin(theta), torch.cos(theta)])])
"""

from __future__ import annotations

from dataclasses import replace

from gradlab.facts import Facts
from gradlab.overlay import Item, Marked
from gradlab.report import Finding, Kind
from gradlab.rules.severing import CUT_SEVERITY, lost_numbers, sever

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("rewrap", "04_detach_and_numpy",
         severity=CUT_SEVERITY,
         explanation="torch.tensor(...), .item() or float() re-wrapped values as new tensors "
                     "without history"),
)

def check(facts: Facts) -> list[Item]:
    """Fresh leaves made from trainable tensors, and losses that are leaves."""
    found: list[Item] = [*lost_numbers(facts, True, "into a new tensor without their history, and "
                         "requires_grad=True makes it a fresh leaf.")]
    for name, loss in facts.ctx.losses:
        if not (loss.is_leaf and loss.requires_grad):
            continue
        cuts, _ = facts.rec.origin(loss) if facts.rec is not None else (frozenset(), frozenset())
        if cuts:
            node = facts.graph.find(name)
            severed = sever(facts, cuts, node[0].id) if node else Marked([], [])
            found += [*(replace(f, severity="error") for f in severed.findings), *severed.marks]
            if severed.findings:
                continue
        found.append(Finding(
            "rewrap", "error", (name,), "",
            f"{name} is a leaf that requires grad, with no history: it was re-wrapped "
            "(Variable(loss, requires_grad=True), torch.tensor(loss, requires_grad=True)) or "
            "had requires_grad set by hand, so backward() fills only its own .grad and nothing "
            "trains.", "backpropagate the loss as the ops computed it: remove the re-wrap and "
            "the requires_grad=True on the loss"))
    return found
