"""A loss without autograd history: `backward()` on it raises.

What: the loss has no `grad_fn` and does not require grad: nothing it was computed from requires
grad, every parameter is frozen, or a cut (no_grad, numpy, `.item()`) came last.

Why: `loss.backward()` raises 'element 0 of tensors does not require grad and does not have a
grad_fn'; the fix is upstream, where the history was lost.

Known problems: a loss computed under `no_grad` for evaluation only (never backpropagated) is
drawn but not reported when its sources get gradient from the training loss.

Example:
    w = torch.randn(3, 1)               # no requires_grad
    loss = F.mse_loss(x @ w, y)

Use instead:
    w = torch.randn(3, 1, requires_grad=True)
"""

from __future__ import annotations

from gradlab.facts import Facts
from gradlab.overlay import Item
from gradlab.report import Finding, Kind
from gradlab.rules.severing import history_free, lost_numbers, sever

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("missing_requires_grad", "02_missing_requires_grad",
         severity="error: backward() raises, or nothing the loss came from trains",
         explanation="nothing the loss was computed from requires grad"),
)


def check(facts: Facts) -> list[Item]:
    """Name why each loss without history has none."""
    found: list[Item] = []
    # a loss backward() raised on is no metric beside the training loss: its cut is the error
    raised = {id(t) for e in facts.events("backward") if e.failed
              and e.tensor is not None and (t := e.tensor()) is not None}
    for (loss_name, loss), node in zip(facts.ctx.losses, facts.graph.outputs, strict=True):
        if loss.grad_fn is not None or loss.requires_grad:
            continue
        cuts, leaves = facts.rec.origin(loss) if facts.rec else (frozenset(), frozenset())
        if cuts:
            found += sever(facts, cuts, node.id, quiet_if_reached=True,
                           failed=id(loss) in raised).items()
            continue
        free = history_free(facts, leaves, node.id, "error")
        found += free.marks  # drawn either way, as before
        if free.findings:
            found += free.findings
            continue
        frozen = facts.all_frozen
        if frozen is not None:
            found.append(Finding(
                "frozen_parameter", "error", tuple(frozen[0]), frozen[1],
                f"{loss_name} has no autograd history: every parameter has requires_grad=False "
                "(frozen), so nothing trains and backward() raises 'element 0 of tensors does "
                "not require grad'.",
                "unfreeze what should train: requires_grad_(True) on it (on a module, e.g. "
                "model.head.requires_grad_(True), it unfreezes every parameter)"))
            continue
        numbers = lost_numbers(facts, False, "into Python numbers (.item(), float(), "
                               "torch.Tensor([a, b]) calls float() on each), so what is built "
                               "from them has no history.")
        if numbers:
            found += numbers
            continue
        leaf_names = [facts.names.name(t) for k in sorted(leaves)
                      if facts.rec is not None and (t := facts.rec.leaf(k)) is not None]
        found.append(Finding(
            "missing_requires_grad", "error", tuple(leaf_names), "",
            f"{loss_name} has no autograd history (nothing it was computed from requires "
            "grad), so backward() raises 'element 0 of tensors does not require grad'.",
            "create trainable tensors with requires_grad=True (nn.Parameter in a module) and "
            "look for a cut between them and the loss."))
    return found
