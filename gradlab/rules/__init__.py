"""The rules, in the fixed order they run: each reads the Facts and returns its findings.

Rules are pure: a rule reads the Facts and returns findings, marks to draw (data, drawn after
arbitration by `gradlab.overlay`) and claims. A rule that reads what the rules before it found
says so in `gradlab.arbitrate.READS`: the cuts drawn at the joins come first, the exception's own
finding only when nothing before named its kind, the parameter inventory last (it skips what a
cut already reported).

Each rule module declares the kinds it owns beside its check (`METADATA`: lesson, severity
policy, explanation); `KINDS` collects them, and the report and `gl.explain` read them here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gradlab import warned
from gradlab.overlay import Item
from gradlab.report import Kind
from gradlab.rules import (
    accumulated_gradient,
    behind_autograd,
    constant_loss_term,
    crash,
    cuts,
    double_backward,
    from_exception,
    in_place,
    loss_without_history,
    misspelled_attribute,
    nan_gradient,
    non_leaf_grad,
    parameters,
    rebound_parameter,
    registration,
    rewrap,
    swallowed,
    unstepped_term,
    zero_gradient,
)

__all__ = ["KINDS", "ORDER", "RULES", "Rule"]

Rule = Callable[..., Sequence[Item]]  # (facts) or, declared in READS, (facts, earlier)

RULES: tuple[Rule, ...] = (
    cuts.at_joins,
    cuts.numpy_not_joined,
    loss_without_history.check,
    in_place.check,
    double_backward.check,
    rewrap.check,
    crash.check,
    non_leaf_grad.check,
    from_exception.check,
    swallowed.check,
    swallowed.numbers_given_backward,
    zero_gradient.predicted,
    rebound_parameter.check,
    cuts.behind_cuts,
    parameters.check,
    misspelled_attribute.check,
    behind_autograd.check,
    nan_gradient.check,
    zero_gradient.after_backward,
    zero_gradient.dropped_by_function,
    constant_loss_term.check,
    unstepped_term.check,
    registration.check,
    accumulated_gradient.check,
)

# The order a report lists kinds of one severity in: a presentation choice across rules, kept
# in one place; each kind's meaning is declared by the module that owns it.
ORDER = ("missing_requires_grad", "plain_tensor_attribute", "no_grad", "inference_mode",
         "detach", "data_attribute", "numpy_roundtrip", "rewrap", "in_place", "double_backward",
         "non_leaf_grad", "not_in_optimizer", "frozen_parameter", "misspelled_attribute",
         "unused_parameter",
         "non_differentiable", "integer_dtype", "broadcast_loss", "non_scalar_loss",
         "zero_gradient", "nan_gradient", "constant_loss_term", "rebound_parameter",
         "unregistered_module", "accumulated_gradient")

_DECLARED = {kind.name: kind for module in (
    cuts, rewrap, loss_without_history, in_place, double_backward, non_leaf_grad, parameters,
    zero_gradient, nan_gradient, constant_loss_term, rebound_parameter, registration,
    accumulated_gradient, from_exception, misspelled_attribute, warned) for kind in module.METADATA}
if set(_DECLARED) != set(ORDER):
    raise RuntimeError(f"gradlab.rules: kinds declared {sorted(_DECLARED)} "
                       f"differ from the report order {sorted(ORDER)}")
KINDS: dict[str, Kind] = {name: _DECLARED[name] for name in ORDER}
