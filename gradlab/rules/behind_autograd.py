"""Changed behind autograd's back: a tensor changed through `.data` while a graph still needs it.

What: an in-place op on `x.data` (`clamp_`, `zero_`, `mul_`, `copy_`, `-=`) after a node of
the graph saved `x` (a weight, or an output such as sigmoid's), and a backward through that node
after the change; or an update written through `p.data` with a value computed from a gradient
that was kept for differentiation (`p.data -= lr * g`, g from `autograd.grad(create_graph=True)`).

Why: `.data` has its own version counter, so PyTorch's in-place check does not see the change:
backward computes the gradient with values that no longer exist, silent: no error will be
raised. And `.data` takes the values, not the history: the update that a meta-loss was meant to
differentiate through is not in any graph.

Known problems: silent on changes made after `optimizer.step()` and before the next forward
(WGAN weight clipping, projecting weights to a constraint set), and on EMA updates of a
teacher that no pending graph used. A node that saved only a part of a shared buffer counts as
using all of it.

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

from dataclasses import replace

from gradlab.facts import Facts, place, where
from gradlab.facts.source import data_written
from gradlab.recording import Event
from gradlab.report import Finding

__all__ = ["check"]


def check(facts: Facts) -> list[Finding]:
    """Backward passes through nodes that saved a tensor before its `.data` was changed, and
    updates through `.data` that drop a gradient's history."""
    if facts.rec is None:
        return []
    events = facts.rec.events
    by_line: dict[tuple[str, int], tuple[dict[int, Event], list[Event]]] = {}
    for use in facts.events("stale_use"):
        assert use.change is not None
        change = events[use.change]
        changes, uses = by_line.setdefault(place(change.where), ({}, []))
        changes[change.index] = change
        uses.append(use)
    found = [replace(_stale(facts, list(changes.values()), uses), place=at)
             for at, (changes, uses) in by_line.items()]
    dropped: dict[tuple[str, int], list[Event]] = {}
    for change in facts.events("behind_autograd"):
        if change.kept_graph is not None:
            dropped.setdefault(place(change.where), []).append(change)
    found += [replace(_history_dropped(facts, changes), place=at)
              for at, changes in dropped.items()]
    return found


def _stale(facts: Facts, changes: list[Event], uses: list[Event]) -> Finding:
    change = changes[0]
    names = _names(facts, changes)
    stale = [use for use in uses if not use.after_change]
    users = ", ".join(sorted({use.used_by for use in stale or uses}))
    if not stale:
        return Finding(
            "data_attribute", "warning", names, where(change),
            f"silent: no error will be raised: {', '.join(names)} changed in place through .data "
            f"({change.op} at {where(change)}) and then used by {users}: the loss sees the "
            f"change, but backward at {where(uses[0])} does not (the gradient treats it as if "
            f"{names[0]} had not changed).",
            f"change it out of place ({names[0]} = {names[0]} * scale, {names[0]}.clamp(...)), "
            "so the change is part of the graph; a straight-through trick reads "
            "x + (f(x) - x).detach()")
    if not change.producer:  # a weight (a leaf) that nodes of the forward used
        return Finding(
            "data_attribute", "error", names, where(change),
            f"silent: no error will be raised: {', '.join(names)} changed in place through "
            f".data ({change.op} at {where(change)}) after the forward used them ({users}), and "
            f"backward at {where(stale[0])} ran through those nodes: the gradient is computed "
            "for values that no longer exist (.data has its own version counter, so PyTorch's "
            "in-place check does not see the change).",
            "change weights after optimizer.step(), on the tensor itself under torch.no_grad() "
            "(p.clamp_(0)), so a stale use raises instead of passing silently")
    return Finding(
        "data_attribute", "error", names, where(change),
        f"silent: no error will be raised: {', '.join(names)} changed in place through .data "
        f"({change.op} at {where(change)}) after {users} saved it for backward, and backward "
        f"at {where(stale[0])} ran through {'that node' if ',' not in users else 'those nodes'}"
        ": the gradient is computed with values the forward did not use (.data has its own "
        "version counter, so PyTorch's in-place check does not see the change).",
        f"change it out of place before the forward uses it ({names[0]} = "
        f"{names[0]}.clamp(...)), so backward sees the change; or change a clone()")


def _history_dropped(facts: Facts, changes: list[Event]) -> Finding:
    assert facts.rec is not None
    change = changes[0]
    names = _names(facts, changes)
    assert change.kept_graph is not None
    kept = facts.rec.events[change.kept_graph]
    return Finding(
        "data_attribute", "error", names, where(change),
        f"silent: no error will be raised: {', '.join(names)} changed in place through .data "
        f"({change.op} at {where(change)}) with a value computed from the graph that "
        f"{kept.op}() at {where(kept)} kept for differentiation (create_graph / retain_graph): "
        ".data takes the values and drops that history, so no gradient flows back through "
        "this update (a meta-loss trains nothing through it).",
        "compute the updated weights out of place (fast = p - lr * g) and run the model with "
        "them (torch.func.functional_call(model, fast_weights, (x,))), so backward "
        "differentiates through the update")


def _names(facts: Facts, changes: list[Event]) -> tuple[str, ...]:
    """The changed tensors: parameters by their names, anything else as the user wrote it
    before `.data` on the line, else by the variable that holds it."""
    names = facts.names
    alive = [t for change in changes if change.tensor is not None
             and (t := change.tensor()) is not None]
    weights = {names.name(t) for t in alive if id(t) in names.params or id(t) in names.plain}
    if weights:  # changed in a loop over parameters: one line, each by its own name
        return tuple(sorted(weights))
    written = data_written(changes[0])
    if written:
        return (written,)
    known = {names.name(t) for t in alive if id(t) in names.tensors}
    return tuple(sorted(known)) or (f"output of {changes[0].producer}" if changes[0].producer
                                    else "a tensor",)
