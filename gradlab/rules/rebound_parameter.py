"""Rebinding: the trainable tensor was replaced by a non-leaf or by a tensor without grad.

What: `nn.Parameter(t).to(dtype)` / `.double()` / `.cuda()` kept as the weight (a non-leaf
copy, not registered); `w = w - lr * w.grad` under `no_grad` (a new tensor without
requires_grad, while the optimizer and the next step expect the old one).

Why: the name now holds another tensor: the Parameter that the optimizer updates is not used,
and the tensor that is used gets no `.grad` (None on the next step); no error is raised.

Known problems: `.to()` that changes nothing returns the same Parameter: silent then. A sum
of the old tensor and a term with history (`x = x + y.mean() * 0.0`) is a computation, not an
update: silent. Updating in place (`w -= lr * w.grad` under no_grad, then `w.grad.zero_()`)
is right: silent.

Example:
    self.w = nn.Parameter(torch.ones(10)).double()

Use instead:
    self.w = nn.Parameter(torch.ones(10, dtype=torch.float64))
"""

from __future__ import annotations

import torch

from gradlab.facts import Facts, where
from gradlab.overlay import Item, Lost
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("rebound_parameter", "09_training_loop",
         severity="error",
         explanation="the name of a trainable tensor now holds another tensor (w = w - lr * "
                     "w.grad, Parameter.to(float64))"),
)


def check(facts: Facts) -> list[Item]:
    """Conversions of a Parameter kept in its place, and weights rebound under no_grad."""
    names = facts.names
    found: list[Item] = []
    for event in facts.events("to_non_leaf"):
        t = event.tensor() if event.tensor is not None else None
        if t is None or id(t) not in names.plain:  # a variable: non_leaf_grad says it
            continue
        name = names.name(t)
        found.append(Lost(frozenset({id(t)})))
        found.append(Finding(
            "rebound_parameter", "error", (name,), where(event),
            f"{name} holds the result of .{event.op}() at {where(event)} on a leaf that "
            "requires grad: a non-leaf copy. The Parameter itself is lost (model.parameters() "
            f"and the optimizer do not see {name}), and {name}.grad stays None.",
            "create the tensor with its dtype/device first, then wrap it: "
            "nn.Parameter(torch.ones(10, dtype=torch.float64)); or move the whole module with "
            "module.to(...)"))
    loss_cuts = {i for _, loss in facts.ctx.losses if facts.rec is not None
                 for i in facts.rec.origin(loss)[0]}
    _, given = facts.backwarded  # a tensor given to backward() is a loss, not a weight
    for key, name in sorted(names.scope.items(), key=lambda kv: kv[1]):
        t = names.tensors[key]
        if t.requires_grad:
            found += _rebound_with_history(facts, name, t)
            continue
        if facts.rec is None or key in given:
            continue
        cuts, _ = facts.rec.origin(t)
        for index in sorted(cuts & loss_cuts):
            cut = facts.rec.events[index]
            if cut.cause == "no_grad" and cut.shape == tuple(t.shape) and any(
                    ref() is None for ref in cut.source_leaves):
                found.append(Finding(
                    "rebound_parameter", "error", (name,), where(cut),
                    f"{name} was rebound at {where(cut)} to the result of {cut.op}() under "
                    f"no_grad: a new tensor without requires_grad replaced the weight, so the "
                    f"loss computed from it has no history and {name}.grad is None (an "
                    "optimizer keeps the old tensor).",
                    f"update in place: with torch.no_grad(): {name} -= lr * {name}.grad; "
                    f"then {name}.grad = None"))
                break
    return found


def _rebound_with_history(facts: Facts, name: str, t: torch.Tensor) -> list[Finding]:
    """`w = w - lr * w.grad` outside no_grad: `w` is now an op's output on the old leaf."""
    if t.grad_fn is None or not t.grad_fn.name().startswith(("Sub", "Add")):
        return []
    children = [child for child, _ in t.grad_fn.next_functions if child is not None]
    if len(children) != 1:  # `lr * w.grad` has no history: a second input with one is a sum
        return []
    old = [v for child, _ in t.grad_fn.next_functions
           if (v := getattr(child, "variable", None)) is not None
           and v.shape == t.shape and id(v) not in facts.names.scope
           and id(v) not in facts.names.params and id(v) not in facts.names.plain]
    if not old:
        return []
    return [Finding(
        "rebound_parameter", "error", (name,), "",
        f"{name} was rebound to {t.grad_fn.name()} of the tensor it held (w = w - lr * "
        f"w.grad): a non-leaf, so the next backward leaves {name}.grad None and the gradient "
        "flows on into the old tensor.",
        f"update in place under no_grad: with torch.no_grad(): {name} -= lr * {name}.grad; "
        f"then {name}.grad = None")]
