"""From the exception: the autograd error the code raised, when no other rule named it.

What: the code stopped with an autograd error (`gl.explain` knows it) that the recording and
the graph did not already explain; if a recorded cut of the same kind exists, the last one is
drawn into a 'where it failed' node. 'optimizer got an empty parameter list' when every
parameter was frozen is `frozen_parameter`, at the line that froze them.

Why: an error the user saw must never end in "no problems found".

Known problems: silent when a rule already reported the same kind; 'does not require grad'
stays with the rules' more precise cause when they found one.

Example:
    x.numpy()                # x requires grad: RuntimeError

Use instead:
    stay in torch for anything the loss depends on.
"""

from __future__ import annotations

from dataclasses import replace

from gradlab.explanations import TRAINING_LOOP, Explanation, explain
from gradlab.facts import Facts
from gradlab.overlay import Earlier, Item, NewNode
from gradlab.recording import exception_where
from gradlab.report import Finding, Kind
from gradlab.rules.severing import sever

__all__ = ["METADATA", "check"]

METADATA = (
    Kind("non_scalar_loss", "02_missing_requires_grad",
         severity="error: backward() raises",
         explanation="backward() without an argument was called on a tensor of more than one "
                     "element"),
)


def check(facts: Facts, earlier: Earlier) -> list[Item]:
    """The exception's finding, placed at the last cut of its kind when one was recorded."""
    exc = facts.ctx.exception
    if exc is None:
        return []
    explanation = explain(exc)
    frozen = facts.all_frozen
    if explanation is not None and explanation.kind == "not_in_optimizer" and frozen:
        return [Finding(  # 'optimizer got an empty parameter list' after freezing everything
            "frozen_parameter", "error", tuple(frozen[0]), frozen[1],
            "the optimizer got an empty parameter list: every parameter has "
            "requires_grad=False (frozen), and the optimizer was built from those that require "
            "grad.", "unfreeze what should train before building the optimizer: "
            "requires_grad_(True) on it (model.head.requires_grad_(True))")]
    if explanation is not None and explanation.kind == "not_in_optimizer":
        explanation = _empty_optimizer(facts, explanation)
    if explanation is None or explanation.kind in {f.kind for f in earlier.found}:
        return []
    if explanation.kind == "missing_requires_grad" and earlier.found:
        return []
    severed: list[Item] = []
    cuts = [e for e in facts.events("cut") if e.cause == explanation.kind]
    if cuts:
        failed = NewNode("where it failed", "output")
        cut = sever(facts, frozenset({cuts[-1].index}), failed)
        severed = [*(replace(f, severity="error") if f.kind == explanation.kind else f
                     for f in cut.findings), failed, *cut.marks]
        if any(f.kind == explanation.kind for f in cut.findings):
            return severed
    return [*severed, Finding(explanation.kind, "error", (), str(exception_where(exc) or ""),
                              explanation.explanation, explanation.fix,
                              taught_in=explanation.taught_in)]


def _empty_optimizer(facts: Facts, said: Explanation) -> Explanation:
    """'optimizer got an empty parameter list', worded for its case: weights the modules do
    not register, or an optimizer built before the model had its layers."""
    names = facts.names
    unregistered = sorted({n for k, n in names.plain.items() if names.tensors[k].requires_grad}
                          | {n for k, n in names.params.items() if k not in names.registered})
    if unregistered:
        return replace(said, explanation=(
            "the optimizer was given no parameters: nn.Module does not register "
            f"{', '.join(unregistered)} (plain tensor attributes, or layers in a Python list), "
            "so model.parameters() is empty."),
            fix="wrap weights in nn.Parameter and keep layers in nn.ModuleList")
    return replace(said, explanation=(
        "the optimizer was built from a model that had no parameters yet: model.parameters() "
        "was empty then, and layers created afterwards are not in it."),
        fix="build the optimizer after the model is complete (after every layer is created)",
        taught_in=TRAINING_LOOP)
