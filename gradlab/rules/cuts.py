"""Cuts: a value lost its autograd history on the way to the loss.

What: no_grad / inference_mode blocks, `.detach()`, `.data`, a numpy round trip, a re-wrap with
`torch.tensor(...)`, a non-differentiable op (argmax, a comparison) or an integer cast, between a
trainable tensor and the loss.

Why: the values keep flowing but the gradient does not: the tensors behind the cut get no
`.grad` (or a smaller one), silently.

Known problems: a cut is an error only when a tensor the user trains (in an optimizer given or
found) loses every path to the loss. It stays `info` for intended stops: a GAN discriminator
step on `fake.detach()`, truncated BPTT `h.detach()`, a target network or EMA teacher under
`no_grad`, targets or weights computed with numpy, metrics under `no_grad`.

Example:
    with torch.no_grad():
        h = encoder(x)
    loss = F.mse_loss(head(h), y)      # encoder.weight gets no gradient

Use instead:
    h = encoder(x)
    loss = F.mse_loss(head(h), y)
"""

from __future__ import annotations

from gradlab.facts import Facts
from gradlab.overlay import Earlier, Item, NewNode, lost_in
from gradlab.report import Kind
from gradlab.rules.severing import CUT_SEVERITY, history_free, sever

__all__ = ["METADATA", "at_joins", "behind_cuts", "numpy_not_joined"]

METADATA = (
    Kind("no_grad", "03_no_grad_block",
         severity=CUT_SEVERITY,
         explanation="a value the loss uses was computed under torch.no_grad(): no history"),
    Kind("inference_mode", "03_no_grad_block",
         severity=CUT_SEVERITY,
         explanation="a value the loss uses was computed under torch.inference_mode()"),
    Kind("detach", "04_detach_and_numpy",
         severity=CUT_SEVERITY,
         explanation=".detach() cut the value the loss uses from the tensors it came from"),
    Kind("data_attribute", "04_detach_and_numpy",
         severity=CUT_SEVERITY + "; error when .data changed a value autograd saved",
         explanation=".data gave a view without history, or changed a saved value behind "
                     "autograd's back"),
    Kind("numpy_roundtrip", "04_detach_and_numpy",
         severity=CUT_SEVERITY,
         explanation="a trip through numpy dropped the value's autograd history"),
    Kind("integer_dtype", "02_missing_requires_grad",
         severity=CUT_SEVERITY,
         explanation="an integer or bool tensor cannot carry a gradient"),
)


def at_joins(facts: Facts) -> list[Item]:
    """Cuts and history-free leaves where their values entered the graph."""
    found: list[Item] = []
    if facts.rec is None:
        return found
    for node, node_id in facts.joined:
        for event in facts.rec.node_events(node):
            if event.cuts:
                found += sever(facts, event.cuts, node_id).items()
            found += history_free(facts, event.leaves, node_id).items()
    return found


def numpy_not_joined(facts: Facts) -> list[Item]:
    """Numpy round trips whose way back (from_numpy of a new array, say) was not seen."""
    found: list[Item] = []
    if facts.rec is None or not facts.graph.outputs:
        return found
    into = facts.graph.outputs[0].id
    joined = {i for e in facts.rec.of_kind("join") for i in e.cuts}
    heads = [e for e in facts.rec.of_kind("cut") if e.cause == "numpy_roundtrip"
             and e.index not in joined]
    for head in heads:
        chain = frozenset(head.cuts | {head.index})
        sources = [t for i in chain for ref in facts.rec.events[i].source_leaves
                   if (t := ref()) is not None]
        if any(id(t) not in facts.reached for t in sources):
            found += sever(facts, chain, into).items()
    return found


def behind_cuts(facts: Facts, earlier: Earlier) -> list[Item]:
    """Cuts whose value reached the loss only through a later cut (a no_grad encoder feeding
    a layer that numpy then cut off): reported now, not one fix later."""
    found: list[Item] = []
    if facts.rec is None:
        return found
    joined = {i for e in facts.rec.of_kind("join") for i in e.cuts}
    reported = set(earlier.lost)
    for event in facts.rec.of_kind("cut"):
        if event.index not in joined:  # its value never entered a tracked computation
            continue
        lost = [t for ref in event.source_leaves if (t := ref()) is not None
                and t.requires_grad and id(t) in facts.names.params
                and id(t) not in facts.reached and id(t) not in reported]
        if lost:
            found.append(behind := NewNode("used behind another cut", "op"))
            found += (cut := sever(facts, frozenset({event.index}), behind)).items()
            reported |= lost_in(cut.marks)
    return found
