"""Accumulated gradients: `.grad` not reset between optimizer steps.

What: a parameter that `optimizer.step()` updated, whose `.grad` still held the gradient that
step used when the next `backward()` ran (no `zero_grad()`, no `p.grad = None`), and a later
`step()` that applied the sum.

Why: backward() adds to `.grad`, it does not overwrite it. Each step then pushes with the sum of
every gradient so far: the loss swings or diverges, silent: no error will be raised.

Known problems: found only when `optimizer.step()` runs (a hand-written update is not followed).
A reset is seen at the next backward, as a `.grad` that is None or all zero: a gradient written
into `.grad` by hand after `zero_grad()` and before that backward looks kept. Gradient
accumulation on purpose (several backward() calls, then one step, then zero_grad()) and a GAN
whose discriminator collects the generator's gradient between its own steps (reset before the
discriminator's next backward) are fine.

Example:
    for x, y in batches:
        loss = loss_fn(model(x), y)
        loss.backward()                   # adds to the previous step's gradient
        optimizer.step()

Use instead:
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
"""

from __future__ import annotations

import torch

from gradlab.facts import Facts, group, place, where
from gradlab.recording import Event
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("accumulated_gradient", "09_training_loop",
         severity="error",
         explanation="gradients of one step were still in .grad at the next backward (no "
                     "zero_grad())"),
)


def check(facts: Facts) -> list[Finding]:
    """Steps that applied a gradient added to one an earlier step had already used."""
    if facts.rec is None:
        return []
    kept: dict[int, tuple[torch.Tensor, Event]] = {}  # holds the tensors: ids stay unique
    applied: dict[int, tuple[torch.Tensor, Event, Event]] = {}
    for event in facts.rec.events:
        if event.kind in ("grad_kept", "grad_reset"):
            for ref in event.params:
                p = ref()
                if p is None:
                    continue
                if event.kind == "grad_kept":
                    kept[id(p)] = (p, event)
                else:
                    kept.pop(id(p), None)
        elif (p := event.stepped()) is not None and id(p) in kept and id(p) not in applied:
            applied[id(p)] = (p, kept[id(p)][1], event)
    by_lines: dict[tuple[str, str, tuple[str, int], tuple[str, int]], list[str]] = {}
    for p, backward, step in applied.values():
        key = (where(backward), where(step), place(backward.where), place(step.where))
        by_lines.setdefault(key, []).append(facts.names.name(p))
    return [Finding(
        "accumulated_gradient", "error", tuple(group(sorted(names))), backward,
        f"silent: no error will be raised: the .grad of {', '.join(group(sorted(names)))} was "
        f"not reset after optimizer.step(): the backward at {backward} added its gradient to the "
        f"one that step had already used, and optimizer.step() at {step} applied the sum "
        "(backward() adds to .grad). Every step pushes with all the gradients so far.",
        "call optimizer.zero_grad() once per step, before backward() (or set p.grad = None); "
        "to accumulate over k batches on purpose, call step() and zero_grad() once every k "
        "backward passes", at)
        for (backward, step, at, _), names in by_lines.items()]
