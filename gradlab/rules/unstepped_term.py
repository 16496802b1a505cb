"""Unstepped terms: a term of the loss that carries no gradient to anything the step updates.

What: a loss that adds terms (`adversarial + 100 * l1`), one of which a cut (`.detach()`,
no_grad, numpy...) severed from every tensor the optimizers stepped after that backward hold: a
generator step whose adversarial term is computed on `d(fake.detach())` reaches only the
discriminator, which the generator's optimizer does not hold (and whose gradient the
discriminator's own `zero_grad()` then discards).

Why: the other terms still train the model, so nothing fails and no parameter is left without
a gradient: the objective the term adds is silently dropped (the discriminator wins early).

Known problems: judged only where the run shows the step: an optimizer `step()` after that
backward() and before the next one (the tensors of every optimizer stepped there count, so
`loss = a + b; loss.backward(); opt_a.step(); opt_b.step()` is fine), and only for a loss whose
graph gradlab read at backward() (a cut's value had joined it since the last backward). A term
without history at all is `constant_loss_term`'s.

Example:
    fake = g(z)
    loss_g = mse(d(fake.detach()), ones) + 100 * l1(fake, target)
    opt_g.zero_grad(); loss_g.backward(); opt_g.step()

Use instead:
    loss_g = mse(d(fake), ones) + 100 * l1(fake, target)      # detach only in the D step
"""

from __future__ import annotations

import re

from gradlab.facts import Facts, group, place, where
from gradlab.recording import Event
from gradlab.report import Finding

__all__ = ["check", "stepped_after"]

_LABEL = {"no_grad": "torch.no_grad() block", "inference_mode": "inference_mode block",
          "detach": ".detach()", "data_attribute": ".data", "numpy_roundtrip": "numpy round trip",
          "rewrap": "re-wrap", "non_differentiable": "non-differentiable op",
          "integer_dtype": "integer cast"}


def stepped_after(facts: Facts, backward: int) -> tuple[set[int], str]:
    """The tensors (ids) that the optimizers stepped after the backward event `backward`, and
    before the next one, hold (every tensor of an optimizer that changed any), and the line of
    the first such step; empty when no step ran there."""
    assert facts.rec is not None
    changed: set[int] = set()
    line = ""
    for event in facts.rec.events[backward + 1:]:
        if event.kind == "backward":
            break
        if (p := event.stepped()) is not None and p.is_leaf and p.requires_grad:
            changed.add(id(p))
            line = line or where(event)
    stepping = facts.optimizers_of(list(changed))
    held = {key for key, names in facts.names.optimized.items() if names & stepping}
    return changed | held, line


def check(facts: Facts) -> list[Finding]:
    """Terms of a stepped loss that reach none of the tensors the step updates, because a cut
    severed those tensors from them."""
    if facts.rec is None:
        return []
    finished = {e.index for e in facts.backwards()}
    found: dict[tuple[str, int], Finding] = {}
    for terms in facts.rec.terms.values():
        if terms.backward not in finished:
            continue
        held, step = stepped_after(facts, terms.backward)
        if not held:
            continue
        for i, term in enumerate(terms.terms):
            cuts = [facts.rec.events[c] for c in sorted(term.cuts)]
            severed = [(cut, lost) for cut in cuts if (lost := _sources(cut) & held)]
            if term.leaves & held or not severed:
                continue
            cut, lost = severed[0]
            others = {key for j, t in enumerate(terms.terms) if j != i for key in t.leaves}
            found.setdefault(place(cut.where), _finding(
                facts, cut, term.node, term.leaves, lost, lost & others,
                facts.rec.events[terms.backward], step))
    return list(found.values())


def _sources(cut: Event) -> set[int]:
    """The tensors (ids) a cut took the history of."""
    return {id(t) for ref in cut.source_leaves if (t := ref()) is not None}


def _names(facts: Facts, keys: set[int] | frozenset[int]) -> list[str]:
    """The names of the tensors among `keys` that the run's inventory knows, grouped when many."""
    return group(sorted(facts.names.name(t) for key in keys
                        if (t := facts.names.tensors.get(key)) is not None))


def _finding(facts: Facts, cut: Event, node: str, reaches: frozenset[int], lost: set[int],
             trained: set[int], backward: Event, step: str) -> Finding:
    """The warning for one term: what it reaches, what the cut took from it, what still
    trains those tensors."""
    term = re.sub(r"Backward\d*$", "", node)
    term = re.sub(r"(?<!^)(?=[A-Z])", "_", term).lower() or "a"
    label = _LABEL.get(cut.cause, cut.cause)
    lost_names = ", ".join(_names(facts, lost))
    reach = _names(facts, reaches)
    reached = (f"what it still reaches ({', '.join(reach)}) is held by no optimizer stepped "
               "there" if reach else "it reaches no tensor that requires grad")
    still = ("They still train through the other terms: nothing fails, and the term's "
             "objective is silently dropped" if trained == lost else
             f"{', '.join(_names(facts, trained))} still train through the other terms, "
             f"{', '.join(_names(facts, lost - trained))} through none" if trained else
             "No other term reaches them either")
    stepper = ", ".join(sorted(facts.optimizers_of(list(lost)))) or "the optimizer"
    return Finding(
        cut.cause, "warning", tuple(_names(facts, lost)), where(cut),
        f"the {term} term of the loss given to backward() at {where(backward)} carries no "
        f"gradient to anything the step at {step} updates: the {label} at {where(cut)} cut "
        f"{lost_names} off it, and {reached}. {still}.",
        f"remove the {label} at {where(cut)} from this step's term, so its gradient reaches "
        f"{lost_names} ({stepper}); keep it only in a step that must not train them (a GAN "
        "keeps fake.detach() in the discriminator's step)" + (
            f", or, if the cut is meant, step an optimizer that holds {', '.join(reach)} "
            "after this backward" if reach else ""),
        place(cut.where))
