"""The rules, in the fixed order they run: each reads the Facts and returns its findings.

A rule may read what the rules before it found (`Facts.found`): the cuts drawn at the joins come
first, the exception's own finding only when nothing before named its kind, the parameter
inventory last (it skips what a cut already reported).
"""

from __future__ import annotations

from collections.abc import Callable

from gradlab.facts import Facts
from gradlab.report import Finding
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
    nan_gradient,
    non_leaf_grad,
    parameters,
    rebound_parameter,
    registration,
    rewrap,
    swallowed,
    zero_gradient,
)

__all__ = ["RULES", "Rule"]

Rule = Callable[[Facts], list[Finding]]

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
    behind_autograd.check,
    nan_gradient.check,
    zero_gradient.after_backward,
    constant_loss_term.check,
    registration.check,
    accumulated_gradient.check,
)
