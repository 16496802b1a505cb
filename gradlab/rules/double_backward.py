"""Double backward: a backward runs through part of a graph an earlier backward freed.

What: nodes of a loss's graph whose saved tensors an earlier `backward()` freed (reading them
raises PyTorch's freed-buffer error), with a backward still to come through them.

Why: backward() raises 'Trying to backward through the graph a second time'.

Known problems: silent on `retain_graph=True` used on purpose, on gradient accumulation (each
loss from its own forward), and on a loss recomputed after `optimizer.step()`.

Example:
    fake = generator(z)
    d_loss = bce(discriminator(fake), zeros); d_loss.backward()
    g_loss = bce(discriminator(fake), ones); g_loss.backward()   # generator's graph is freed

Use instead:
    d_loss = bce(discriminator(fake.detach()), zeros)
"""

from __future__ import annotations

import torch

from gradlab.facts import Facts, where
from gradlab.recording import Event
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("double_backward", "06_double_backward",
         severity="error: backward raises, or will",
         explanation="a second backward runs through a graph whose saved tensors were freed"),
)


def check(facts: Facts) -> list[Finding]:
    """A graph freed in part: an earlier backward went through some of its nodes."""
    freed = [p for p in facts.probes if p.problem == "freed"]
    if not freed:
        return []
    backwards = facts.events("backward")
    if facts.ctx.exception is not None:
        if "second time" not in str(facts.ctx.exception):
            return []  # a backward that failed half-way frees part of the graph
    elif not any(_partly_freed(facts, name, loss, backwards) for name, loss in facts.ctx.losses):
        return []
    earlier = next((e for e in backwards if not e.retain_graph), None)
    at = where(earlier) if earlier else ""
    nodes = sorted({p.node_name for p in freed})
    return [Finding(
        "double_backward", "error", tuple(nodes), at,
        f"{len(freed)} node(s) of the graph ({', '.join(nodes[:3])}"
        f"{', ...' if len(nodes) > 3 else ''}) were freed by an earlier backward()"
        f"{' at ' + at if at else ''}; backward through them raises 'Trying to backward "
        "through the graph a second time'.",
        "detach what is reused (fake.detach(), hidden.detach()), sum the losses into one "
        "backward, or recompute the forward; retain_graph=True only if you need the graph "
        "twice.")]


def _partly_freed(facts: Facts, name: str, loss: torch.Tensor, backwards: list[Event]) -> bool:
    """True when an earlier backward freed part of this loss's graph, but not all of it:
    the backward still to come will reach freed nodes."""
    if any(e.tensor is not None and e.tensor() is loss for e in backwards):
        return False
    output = next(n for n in facts.graph.outputs if n.label == name)
    nodes = [n for n in facts.graph.upstream(output.id) if n.kind == "op"]
    freed = any("freed" in n.marks for n in nodes)
    intact = any(n.saved and "freed" not in n.marks for n in nodes)
    return freed and intact
