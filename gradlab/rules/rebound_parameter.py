"""Rebinding: the trainable tensor was replaced by a non-leaf or by a tensor without grad.

What: `nn.Parameter(t).to(dtype)` / `.double()` / `.cuda()` kept as the weight (a non-leaf
copy, not registered); `w = w - lr * w.grad` under `no_grad` (a new tensor without
requires_grad, while the optimizer and the next step expect the old one).

Why: the name now holds another tensor: the Parameter that the optimizer updates is not used,
and the tensor that is used gets no `.grad` (None on the next step); no error is raised.

Known problems: `.to()` that changes nothing returns the same Parameter: silent then. Updating
in place (`w -= lr * w.grad` under no_grad, then `w.grad.zero_()`) is right: silent.

Example:
    self.w = nn.Parameter(torch.ones(10)).double()

Use instead:
    self.w = nn.Parameter(torch.ones(10, dtype=torch.float64))
"""

from __future__ import annotations

from gradlab.facts import Facts, where
from gradlab.report import Finding

__all__ = ["check"]


def check(facts: Facts) -> list[Finding]:
    """Conversions of a Parameter kept in its place, and weights rebound under no_grad."""
    names = facts.names
    found: list[Finding] = []
    for event in facts.events("to_non_leaf"):
        t = event.tensor() if event.tensor is not None else None
        if t is None or (id(t) not in names.plain and id(t) not in names.scope):
            continue
        name = names.name(t)
        facts.lost_reported.add(id(t))
        found.append(Finding(
            "rebound_parameter", "error", (name,), where(event),
            f"{name} holds the result of .{event.op}() at {where(event)} on a leaf that "
            "requires grad: a non-leaf copy. The Parameter itself is lost (model.parameters() "
            f"and the optimizer do not see {name}), and {name}.grad stays None.",
            "create the tensor with its dtype/device first, then wrap it: "
            "nn.Parameter(torch.ones(10, dtype=torch.float64)); or move the whole module with "
            "module.to(...)"))
    for key, name in sorted(names.scope.items(), key=lambda kv: kv[1]):
        t = names.tensors[key]
        if t.requires_grad or facts.rec is None:
            continue
        cuts, _ = facts.rec.origin(t)
        for index in sorted(cuts):
            cut = facts.rec.events[index]
            old = [s for ref in cut.source_leaves if (s := ref()) is not None
                   and s.shape == t.shape and s.is_leaf and s is not t]
            if cut.cause == "no_grad" and old and id(old[0]) not in names.scope:
                found.append(Finding(
                    "rebound_parameter", "error", (name,), where(cut),
                    f"{name} was rebound at {where(cut)} to the result of {cut.op}() under "
                    f"no_grad: a new tensor without requires_grad replaced the weight, so the "
                    f"next step's {name}.grad is None (and an optimizer keeps the old tensor).",
                    f"update in place: with torch.no_grad(): {name} -= lr * {name}.grad; "
                    f"then {name}.grad = None"))
                break
    return found
