"""Changed behind autograd's back: a weight changed through `.data` between forward and backward.

What: an in-place op on `p.data` (`clamp_`, `zero_`, `mul_`, `copy_`) after a node of the graph
used `p`, and a backward through that node after the change. `.data` has its own version
counter, so PyTorch's in-place check does not see the change.

Why: backward computes the gradient for values that no longer exist (or with the new values
where `p` was saved): silent: no error will be raised, and the step goes the wrong way.

Known problems: silent on changes made after `optimizer.step()` and before the next forward
(WGAN weight clipping, projecting weights to a constraint set), and on EMA updates of a
teacher that no pending graph used.

Example:
    loss = loss_fn(model(x), y)
    for p in model.parameters():
        p.data.clamp_(0)                  # the forward used the old values
    loss.backward()

Use instead:
    loss.backward(); optimizer.step()
    with torch.no_grad():
        for p in model.parameters():
            p.clamp_(0)
"""

from __future__ import annotations

from gradlab.facts import Facts, where
from gradlab.report import Finding

__all__ = ["check"]


def check(facts: Facts) -> list[Finding]:
    """Backward passes through nodes that used a tensor before its `.data` was changed."""
    found: list[Finding] = []
    reported: set[tuple[str, str]] = set()
    events = facts.events("stale_use")
    for use in events:
        change = facts.rec.events[min(use.cuts)] if facts.rec is not None else None
        if change is None:
            continue
        name = facts.tensor_name(use)
        if (name, where(change)) in reported:
            continue
        reported.add((name, where(change)))
        found.append(Finding(
            "data_attribute", "error", (name,), where(change),
            f"silent: no error will be raised: {name} was changed in place through .data "
            f"({change.op} at {where(change)}) after {use.producer} used it in the forward, "
            f"and backward at {where(use)} ran through that node: the gradient is computed "
            "for values that no longer exist (.data has its own version counter, so PyTorch's "
            "in-place check does not see the change).",
            "change weights after optimizer.step(), on the tensor itself under torch.no_grad() "
            "(p.clamp_(0)), so a stale use raises instead of passing silently"))
    return found
