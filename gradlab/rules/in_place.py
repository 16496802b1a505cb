"""In place: a tensor saved for backward was changed afterwards.

What: an in-place op (`+=`, `relu(inplace=True)`, index assignment, an optimizer's update)
bumped the version counter of a tensor that a node of the graph saved for backward; or an
in-place op ran on a leaf that requires grad.

Why: backward() raises 'one of the variables needed for gradient computation has been modified
by an inplace operation'. The stale save is found before backward by reading the node's saved
tensors (PyTorch's own version check).

Known problems: in-place ops on tensors that no pending backward needs are fine (after
`Linear`, on a product whose inputs are saved, not its output).

Example:
    y = torch.sigmoid(x @ w)
    y += 1                               # sigmoid saved y

Use instead:
    y = y + 1
"""

from __future__ import annotations

import math
import re

from gradlab.facts import Facts, place, where
from gradlab.graph import Probe
from gradlab.overlay import AddEdge, Item, NewNode
from gradlab.recording import Event
from gradlab.report import Finding, Kind

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("in_place", "05_in_place",
         severity="error: backward raises, or will",
         explanation="a tensor autograd saved was changed in place afterwards (or a leaf that "
                     "requires grad was)"),
)

_VERSION_ERROR = re.compile(r"\[torch\.\w+ \[([\d, ]*)\]\](?:, which is output \d+ of (\w+),)?"
                            r" is at version (\d+); expected version (\d+)")


def check(facts: Facts) -> list[Item]:
    """In-place ops on leaves that require grad, and saved tensors changed in place."""
    found = [_on_a_leaf(facts, event) for event in facts.events("in_place") if event.refused]
    pending = _pending_nodes(facts)
    marks: list[Item] = []
    for probe in facts.probes:
        if probe.problem != "stale" or probe.node_id not in pending:
            continue
        change = _match(facts, probe)
        if change is not None:
            changed = NewNode(f"{change.op} (in place)", "in_place", str(change.where))
            marks += [changed, AddEdge(changed, probe.node_id, "in-place", where(change))]
            op = f"{change.origin}() ({change.op})" if change.origin else change.op
            what = f"{op} at {where(change)}" if where(change) else op
        else:
            what = "an in-place op"
        mark = facts.graph.node(probe.node_id).marks
        found.append(Finding(
            "in_place", "error", (probe.node_name,), where(change) if change else "",
            f"{probe.node_name} saved a tensor for backward that {what} changed afterwards "
            f"({mark[0] if mark else 'stale'}): backward() will raise 'modified by an inplace "
            "operation'.",
            "use the out-of-place op (y = y * 2, torch.relu(y)) or change a clone()."))
    return [*found, *marks]


def _on_a_leaf(facts: Facts, event: Event) -> Finding:
    """The error of an in-place op torch refused on a leaf that requires grad: a weight (to
    update under no_grad), or a value the program computed and then made require grad (an
    activation given requires_grad by a hook like enable_input_require_grads(), an input),
    which is to be changed out of place."""
    name = facts.tensor_name(event)
    t = event.tensor() if event.tensor is not None else None
    # the same weak reference: the same tensor, also after it died (a caught error)
    made = [e for e in facts.events("requires_grad") if e.set_to and e.index < event.index
            and e.tensor is not None and e.tensor is event.tensor and (e.cuts or e.leaves)]
    if (t is not None and id(t) in facts.names.params) or not made:
        return Finding("in_place", "error", (name,), where(event),
                       f"in-place {event.op} on {name}, a leaf that requires grad.",
                       "update weights under torch.no_grad(), or use an out-of-place op.",
                       place(event.where))
    var = name if name.replace(".", "_").isidentifier() else "x"
    return Finding(
        "in_place", "error", (name,), where(event),
        f"in-place {event.op} on {name}, a leaf that requires grad: not a weight but a value "
        f"computed without history and then made to require grad at {where(made[-1])} (as "
        "an input-grad hook like enable_input_require_grads() does), and torch refuses to "
        "change such a leaf in place.",
        f"compute it out of place ({var} = {var} + ...), or change a copy: {var} = "
        f"{var}.clone() before the in-place op.", place(event.where))


def _pending_nodes(facts: Facts) -> set[str]:
    """The nodes a backward still to come will reach: those of losses not yet backwarded
    (all of them when the code failed, since its last backward did not finish)."""
    backwarded = {id(t) for e in facts.backwards()
                  if e.tensor is not None and (t := e.tensor()) is not None}
    if facts.ctx.exception is not None:
        backwarded = set()
    pending: set[str] = set()
    for (_, loss), output in zip(facts.ctx.losses, facts.graph.outputs, strict=True):
        if id(loss) not in backwarded:
            pending.update(n.id for n in facts.graph.upstream(output.id))
    return pending


def _match(facts: Facts, probe: Probe) -> Event | None:
    """The recorded in-place change that the probe's version error describes."""
    found = _VERSION_ERROR.search(probe.message)
    if found is None:
        return None
    shape = tuple(int(s) for s in found.group(1).split(",") if s.strip())
    producer, expected = found.group(2), int(found.group(4))
    candidates = [e for e in facts.events("in_place") if e.version_before == expected]
    size = math.prod(shape)
    candidates = ([e for e in candidates if e.shape == shape]  # else a view of it (w.t())
                  or [e for e in candidates if math.prod(e.shape) == size])
    exact = [e for e in candidates if producer and e.producer.startswith(producer)]
    chosen = exact or candidates
    return chosen[0] if chosen else None
