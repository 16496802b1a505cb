"""Constant loss terms: a term added to the loss that carries no gradient.

What: a scalar added to (or subtracted from) the loss that was computed from the model but lost
its history on the way: an accuracy (`argmax` and `==`), a hard mask (`rgb > 0.1`), a value
rebuilt from numpy or `.item()`.

Why: the term changes the loss value that is printed, but contributes no gradient: the
optimizer never sees it and the objective it was meant to add is not trained.

A loss that is nothing but such a constant (a placeholder `torch.tensor(0.)` or
`torch.zeros(1)` returned for a task with no samples, summed from a loss dict) has no history
at all: backward() raises, and the error is about the placeholder, not a missing requires_grad.

Known problems: silent on constants that never came from the model (a numpy weight, a fixed
offset) and on masks or targets that multiply or compare with a tensor that has history. A loss
dropped before the run ends (built and stepped inside a function) is judged from what the
recorder read of it at backward(), when a cut's value had joined it.

Example:
    loss = cross_entropy(pred, y) + (1 - (pred.argmax(-1) == y).float().mean())

Use instead:
    loss = cross_entropy(pred, y) + (1 - pred.softmax(-1)[range(len(y)), y].mean())
"""

from __future__ import annotations

from gradlab.facts import Facts, place, where
from gradlab.recording import Event
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("constant_loss_term", "08_silent_gradients",
         severity="warning; error when the whole loss is a fresh constant (backward raises)",
         explanation="a term of the summed loss carries no gradient: it is a constant"),
)

_ADDS = {"add", "__add__", "__radd__", "sub", "__sub__", "__rsub__", "__iadd__", "__isub__",
         "add_", "sub_"}


def check(facts: Facts) -> list[Finding]:
    """Scalar terms with a cut behind them, joined into the loss by + or -; losses made only
    of fresh constants."""
    found: list[Finding] = []
    if facts.rec is None:
        return found
    found += _fresh_losses(facts)
    seen: set[tuple[str, int]] = set()
    for event in _joins_on_sums(facts):
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
        detached = [where(c) for c in cuts if c.cause == "detach" and where(c)]
        found.append(Finding(
            "constant_loss_term", "warning", (), where(event),
            f"a term added to the loss at {where(event)} was computed from the model but "
            f"lost its history ({causes}): it changes the loss value, but contributes no "
            "gradient, so nothing trains on it.",
            f"remove the .detach() at {', '.join(detached)} from this term, so its gradient "
            "reaches the model (keep .detach() only in a step that must not train through it), "
            "or drop the term" if detached else
            "compute the term with differentiable ops (softmax instead of argmax, a sigmoid "
            "instead of a comparison, torch ops instead of numpy or .item()), or drop it", at))
    return found


def _joins_on_sums(facts: Facts) -> list[Event]:
    """The joins on the nodes that add up a loss: of the losses found, and of the losses given
    to a finished backward() whose terms the recorder read (a loss a step function dropped)."""
    assert facts.rec is not None
    terms = _sum_nodes(facts)
    joins = [event for node, _ in facts.joined if id(node) in terms
             for event in facts.rec.node_events(node)]
    finished = {e.index for e in facts.backwards()}
    return joins + [facts.rec.events[i] for read in facts.rec.terms.values()
                    if read.backward in finished for i in sorted(read.sums)]


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


def _fresh_losses(facts: Facts) -> list[Finding]:
    """Losses without history whose every source is a one-element tensor made from plain
    numbers (`torch.tensor(0.)`, `torch.zeros(1)`), with no cut behind them."""
    assert facts.rec is not None
    fresh = facts.events("fresh")
    found = []
    for loss_name, loss in facts.ctx.losses:
        if loss.grad_fn is not None or loss.requires_grad:
            continue
        cuts, leaves = facts.rec.origin(loss)
        made = [e for e in fresh if e.leaves & leaves or (
            e.tensor is not None and e.tensor() is loss)]
        if cuts or not made or leaves - {k for e in made for k in e.leaves}:
            continue
        subject = (f"the loss given to {loss_name}" if loss_name.startswith("backward()")
                   else loss_name)
        at = ", ".join(dict.fromkeys(f"torch.{e.op}(...) at {where(e)}" for e in made))
        found.append(Finding(
            "constant_loss_term", "error", (), where(made[0]),
            f"{subject} is a constant: it is made only of {at}, a tensor built from a "
            "number (a placeholder for a term with nothing to compute), so it has no history: "
            "backward() raises, and the model's parameters never reach it.",
            "build the placeholder from the model's output so it stays in the graph "
            "((pred * 0).sum()), or skip backward() when no term has anything to train on",
            place(made[0].where)))
    return found
