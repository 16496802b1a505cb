"""Zero gradients: a trainable tensor whose every path to the loss multiplies by zero.

What: `non_differentiable` (predicted from the forward): a trainable tensor reaches the loss only
through ops whose derivative is zero almost everywhere (`round`, `floor`, `ceil`, `trunc`,
`sign`); comparisons, `argmax` and integer casts are cuts (see cuts.py). `zero_gradient` (after a
backward): a trainable tensor whose `.grad` is all zero, traced to the op on its way to the loss
that passed no gradient (a dead ReLU layer, a `clamp` saturated on the whole batch, a mask).

Why: the optimizer gets a gradient of exactly zero: no error, the loss does not move.

Known problems: silent on a straight-through estimator (`x + (x.round() - x).detach()`: the
identity path carries the gradient), on `round` or `argmax` used for metrics, and on a `.grad`
zeroed after the step (`zero_grad(set_to_none=False)` at the end of the loop); a term multiplied
by the constant 0 on purpose (`x + y.mean() * 0.0`, which keeps `y`'s parameters in the graph
for DistributedDataParallel) is only `info`. A zero `.grad`
that no op on the way explains (a bias before BatchNorm, a WGAN critic's last bias: the
contributions cancel) is only `info`. `non_differentiable` (after a backward) also names a
trainable tensor that reaches the loss only as an input of a custom `autograd.Function` whose
`backward` returned None for it (a fake-quantize Function that drops the scale's gradient):
its `.grad` stays None while the tensors beside it get theirs.

Example:
    pred = torch.round(model(x))               # counts are integers
    loss = F.mse_loss(pred, y)

Use instead:
    pred = model(x)                            # round only when reporting
    loss = F.mse_loss(pred, y)
"""

from __future__ import annotations

from typing import Any

import torch

from gradlab.facts import Facts, where
from gradlab.overlay import Earlier, Item, Lost
from gradlab.recording import Event
from gradlab.report import Finding, Kind
from gradlab.rules.severing import CUT_SEVERITY

__all__ = ["METADATA", "after_backward", "dropped_by_function", "predicted"]

METADATA = (
    Kind("non_differentiable", "08_silent_gradients",
         severity=CUT_SEVERITY,
         explanation="a trainable tensor reaches the loss only through ops whose derivative is "
                     "zero or missing (round, sign, argmax, comparisons)"),
    Kind("zero_gradient", "08_silent_gradients",
         severity="warning when an op on the way (or an all-zero input) passed nothing; info when "
                  "a multiplication by 0 is on purpose or the contributions cancel",
         explanation="a trainable tensor's .grad is all zero after backward"),
)

_PASS_NOTHING = ("Relu", "Threshold", "Clamp", "Hardtanh", "MaskedFill", "Where", "Index",
                 "Mul", "Max", "Min", "Gelu", "Silu")
_RESHAPE = ("TBackward", "ViewBackward", "PermuteBackward", "TransposeBackward",
            "ExpandBackward", "UnsqueezeBackward", "ReshapeAliasBackward")
_NORMALIZE = ("NativeBatchNorm", "CudnnBatchNorm", "NativeLayerNorm", "NativeGroupNorm")


def predicted(facts: Facts) -> list[Item]:
    """Trainable tensors that reach the loss only through round, floor, sign..."""
    if not facts.events("zero_derivative"):
        return []
    nodes = facts.graph_nodes
    zero = {id(n): e for n in nodes if (e := facts.node_event(n, "zero")) is not None}
    if not zero:
        return []
    live: set[int] = set()
    blocked: dict[int, Event] = {}
    stack: list[tuple[Any, Event | None]] = [
        (loss.grad_fn, None) for _, loss in facts.ctx.losses if loss.grad_fn is not None]
    seen: set[tuple[int, int]] = set()
    while stack:
        node, blocker = stack.pop()
        blocker = blocker if blocker is not None else zero.get(id(node))
        visit = (id(node), id(blocker))
        if visit in seen:
            continue
        seen.add(visit)
        variable = getattr(node, "variable", None)
        if variable is not None:
            if blocker is None:
                live.add(id(variable))
            else:
                blocked.setdefault(id(variable), blocker)
        stack.extend((child, blocker) for child, _ in node.next_functions if child is not None)
    found: list[Item] = []
    by_event: dict[int, list[str]] = {}
    events: dict[int, Event] = {}
    for key, (name, _) in facts.trainable.items():
        event = blocked.get(key)
        if event is not None and key not in live:
            by_event.setdefault(event.index, []).append(name)
            events[event.index] = event
    for index, names in sorted(by_event.items()):
        event = events[index]
        found.append(Lost(frozenset(k for k, (n, _) in facts.trainable.items() if n in names)))
        found.append(Finding(
            "non_differentiable", "error", tuple(sorted(names)), where(event),
            f"{', '.join(sorted(names))} reach the loss only through {event.op}(), whose "
            "derivative is zero almost everywhere: their gradient is exactly zero and they "
            "never train (no error is raised).",
            f"train on the value before {event.op}() and apply it only when reporting, or use "
            f"a straight-through estimator: x + (x.{event.op}() - x).detach()"))
    return found


def after_backward(facts: Facts, earlier: Earlier) -> list[Finding]:
    """Trainable tensors whose `.grad`, written by the last backward, is all zero."""
    states = facts.written_grads
    zero = [(name, facts.names.tensors[key]) for key, (name, state) in
            sorted(states.items(), key=lambda kv: kv[1][0])
            if state == "zero" and key not in earlier.lost]
    if not zero:
        return []
    nodes = facts.graph_nodes
    parents = _parents(nodes)
    gates = {name: _first_gate(facts, t, nodes, parents) for name, t in zero}
    dead = {id(gate): label for gate, label, on_purpose in gates.values()
            if gate is not None and on_purpose is None}
    found = []
    for name, t in zero:
        gate, culprit, on_purpose = gates[name]
        fed = _fed_by(t, nodes, parents, dead) if gate is None else ""
        if on_purpose is not None:
            severity = "info"
            why = (f"may be intended: {on_purpose.op}() by the constant 0 at "
                   f"{where(on_purpose)} passes no gradient by design (a term kept in the graph "
                   "so that DistributedDataParallel sees the parameter used).")
        elif culprit:
            severity = "warning"
            why = (f"on its way to the loss, {culprit} passed no gradient for the whole batch. "
                   "It does not train (no error is raised).")
        elif fed:
            severity = "warning"
            why = (f"its input, the output of {fed}, is all zero for the whole batch (the same "
                   "op passes no gradient to the layers before it), so the gradient of a weight "
                   "that multiplies it is zero. It does not train (no error is raised).")
        else:  # no op stopped it: its contributions cancel (a bias before BatchNorm, say)
            severity = "info"
            why = ("may be intended: no op on its way to the loss stopped the gradient, its "
                   "contributions cancel (a bias before a normalization, a critic's last bias "
                   "under a difference of means), so it does not train.")
        fix = ("nothing, if that term is there only to keep the parameter in the graph; else "
               "remove the multiplication by 0" if on_purpose is not None else
               "look for a dead ReLU layer (negative or zero init: initialise weights and biases "
               "so units start active, or use LeakyReLU), a clamp saturated on the whole batch, "
               "or a mask that drops every element")
        found.append(Finding(
            "zero_gradient", severity, (name,), where(facts.events("backward")[-1]),
            f"{name}.grad is all zero after backward: {why}", fix))
    return found


def dropped_by_function(facts: Facts) -> list[Finding]:
    """Trainable tensors the losses reached only as inputs of a custom autograd.Function whose
    backward returned None for them: their `.grad` is None after the backward and no step used
    one, while other tensors it reached got theirs (the run's evidence that gradients flowed)."""
    if not facts.backwards():
        return []
    missing = [(name, key) for key, (name, t) in facts.trainable.items()
               if t.grad is None and key in facts.reached]
    if not missing:
        return []  # (checked first: most runs stop here, before the evidence is gathered)
    trained = facts.trained_by_run
    missing = sorted((name, key) for name, key in missing if key not in trained)
    if not missing or not (trained & set(facts.reached)):
        return []
    nodes = facts.graph_nodes
    parents = _parents(nodes)
    leaves = {id(n.variable): n for n in nodes if getattr(n, "variable", None) is not None}
    by_function: dict[str, list[str]] = {}
    for name, key in missing:
        leaf = leaves.get(key)
        if leaf is None:
            continue
        users = parents.get(id(leaf), [])
        if users and all(isinstance(u, torch.autograd.function.BackwardCFunction)
                         for u in users):
            by_function.setdefault(users[0].name().removesuffix("Backward"), []).append(name)
    at = where(facts.backwards()[-1])
    return [Finding(
        "non_differentiable", "error", tuple(names), at,
        f"{', '.join(names)} reach the loss only through the custom autograd.Function "
        f"{function}, whose backward() returned None for them: their .grad is still None "
        f"after the backward at {at} and they never train (no error is raised).",
        f"return their gradient from {function}.backward(), or keep the Function to the op "
        "that needs a custom gradient (the rounding) and compute the rest with torch ops")
        for function, names in by_function.items()]


def _parents(nodes: list[Any]) -> dict[int, list[Any]]:
    parents: dict[int, list[Any]] = {}
    for node in nodes:
        for child, _ in node.next_functions:
            if child is not None:
                parents.setdefault(id(child), []).append(node)
    return parents


def _first_gate(facts: Facts, t: Any, nodes: list[Any], parents: dict[int, list[Any]],
                ) -> tuple[Any, str, Event | None]:
    """The first op between `t` and the loss that can pass no gradient (ReLU, clamp, mask),
    its label, and its event when it multiplied by the constant 0 on purpose."""
    leaf = next((n for n in nodes if getattr(n, "variable", None) is t), None)
    queue = list(parents.get(id(leaf), [])) if leaf is not None else []
    seen: set[int] = set()
    while queue:
        node = queue.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        name = node.name()
        if name.startswith(_NORMALIZE):  # a constant shift is normalized away: not a gate
            return None, "", None
        if name.startswith(_PASS_NOTHING):
            module = facts.rec.node_module(node) if facts.rec is not None else None
            inside = f" in {facts.names.module_label(module)}" if module is not None else ""
            return node, f"{name}{inside}", facts.node_event(node, "times_zero")
        queue.extend(parents.get(id(node), []))
    return None, "", None


def _fed_by(t: Any, nodes: list[Any], parents: dict[int, list[Any]],
            dead: dict[int, str]) -> str:
    """The gate that stopped the gradient of the layers before `t`'s op, when it also feeds
    that op: a weight after a dead ReLU multiplies an all-zero input."""
    leaf = next((n for n in nodes if getattr(n, "variable", None) is t), None)
    below = {id(leaf)}
    consumers = list(parents.get(id(leaf), [])) if leaf is not None else []
    while consumers and all(c.name().startswith(_RESHAPE) for c in consumers):
        below |= {id(c) for c in consumers}
        consumers = [p for c in consumers for p in parents.get(id(c), [])]
    inputs = [child for op in consumers for child, _ in op.next_functions
              if child is not None and id(child) not in below]
    while inputs:
        node = inputs.pop()
        if id(node) in dead:
            return dead[id(node)]
        if node.name().startswith(_RESHAPE):
            inputs.extend(child for child, _ in node.next_functions if child is not None)
    return ""
