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
from gradlab.record import Event
from gradlab.report import Finding

__all__ = ["check"]


def check(facts: Facts) -> list[Finding]:
    """Backward passes through nodes that used a tensor before its `.data` was changed."""
    found: list[Finding] = []
    if facts.rec is None:
        return found
    by_line: dict[str, tuple[Event, list[Event]]] = {}
    for use in facts.events("stale_use"):
        change = facts.rec.events[min(use.cuts)]
        by_line.setdefault(where(change), (change, []))[1].append(use)
    for change, uses in by_line.values():
        names = sorted({facts.tensor_name(use) for use in uses})
        users = ", ".join(sorted({use.producer for use in uses}))
        found.append(Finding(
            "data_attribute", "error", tuple(names), where(change),
            f"silent: no error will be raised: {', '.join(names)} changed in place through "
            f".data ({change.op} at {where(change)}) after the forward used them ({users}), "
            f"and backward at {where(uses[0])} ran through those nodes: the gradient is "
            "computed for values that no longer exist (.data has its own version counter, so "
            "PyTorch's in-place check does not see the change).",
            "change weights after optimizer.step(), on the tensor itself under torch.no_grad() "
            "(p.clamp_(0)), so a stale use raises instead of passing silently"))
    return found
