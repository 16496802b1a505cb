"""Constant loss terms: a term added to the loss that carries no gradient.

What: a scalar added to (or subtracted from) the loss that was computed from the model but lost
its history on the way: an accuracy (`argmax` and `==`), a hard mask (`rgb > 0.1`), a value
rebuilt from numpy or `.item()`.

Why: the term changes the loss value that is printed, but contributes no gradient: the
optimizer never sees it and the objective it was meant to add is not trained.

Known problems: silent on constants that never came from the model (a numpy weight, a fixed
offset) and on masks or targets that multiply or compare with a tensor that has history.

Example:
    loss = cross_entropy(pred, y) + (1 - (pred.argmax(-1) == y).float().mean())

Use instead:
    loss = cross_entropy(pred, y) + (1 - pred.softmax(-1)[range(len(y)), y].mean())
"""

from __future__ import annotations

from gradlab.facts import Facts, place, where
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("constant_loss_term", "08_silent_gradients",
         severity="warning",
         explanation="a term of the summed loss carries no gradient: it is a constant"),
)

_ADDS = {"add", "__add__", "__radd__", "sub", "__sub__", "__rsub__", "__iadd__", "__isub__",
         "add_", "sub_"}


def check(facts: Facts) -> list[Finding]:
    """Scalar terms with a cut behind them, joined into the loss by + or -."""
    found: list[Finding] = []
    if facts.rec is None:
        return found
    seen: set[tuple[str, int]] = set()
    terms = _sum_nodes(facts)
    for node, _ in facts.joined:
        if id(node) not in terms:
            continue
        for event in facts.rec.node_events(node):
            if not event.cuts or event.op not in _ADDS or len(event.shape) > 1 or (
                    event.shape and event.shape[0] != 1):
                continue
            cuts = [facts.rec.events[i] for i in sorted(event.cuts)]
            at = place(event.where)
            if not any(c.source_leaves for c in cuts) or at in seen:
                continue
            seen.add(at)
            causes = ", ".join(dict.fromkeys(f"{c.op} at {where(c)}" if where(c) else c.op
                                             for c in cuts))
            found.append(Finding(
                "constant_loss_term", "warning", (), where(event),
                f"a term added to the loss at {where(event)} was computed from the model but "
                f"lost its history ({causes}): it changes the loss value, but contributes no "
                "gradient, so nothing trains on it.",
                "compute the term with differentiable ops (softmax instead of argmax, a sigmoid "
                "instead of a comparison, torch ops instead of numpy or .item()), or drop it", at))
    return found


def _sum_nodes(facts: Facts) -> set[int]:
    """The nodes that add up the loss: from each loss down through +, -, and scaling."""
    found: set[int] = set()
    stack = [loss.grad_fn for _, loss in facts.ctx.losses if loss.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in found or not node.name().startswith(("Add", "Sub", "Mul", "Div")):
            continue
        found.add(id(node))
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return found
