"""Arbitration: what the rules found, checked against what the run itself observed.

The invariant (one place, every rule): after the recorded backward passes and steps, no finding
of severity error or warning may say that a tensor gets no gradient, is cut off, never reached
the loss or never trains while the run shows that it did: its `.grad` is non-zero. Such a
finding is either about one *path* while another path trains the tensor (it becomes `info`:
"this path carries no gradient, by design"), or wrong (it is dropped).

The rules run here, in their fixed order; each is a function of the read-only facts (and, when
READS declares it, of what the rules before it found and claimed) returning findings, marks and
claims as data. After arbitration the marks are drawn onto the graph in one step
(`gradlab.overlay.apply`), in the order the rules made them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from gradlab.facts import Facts, where
from gradlab.overlay import AddEdge, Draw, Earlier, Explains, Item, Lost, apply
from gradlab.report import Finding

__all__ = ["CAUSED_BY", "CLAIMS", "READS", "SUPERSEDED_AT", "SUPERSEDED_BY", "arbitrate",
           "contradicted", "run"]

Rule = Callable[..., Sequence[Item]]

_PATH = frozenset({"no_grad", "inference_mode", "detach", "data_attribute", "numpy_roundtrip",
                   "rewrap", "non_differentiable", "integer_dtype"})
# The precedence of the run's evidence, declared once: for each rule, the kinds of its findings
# that claim the tensors they name get no gradient. A finding of a path kind that the run
# contradicts becomes info; any other is dropped. (behind_autograd's data_attribute is about
# stale values, not a lost gradient, and is not listed.)
CLAIMS: dict[str, frozenset[str]] = {
    "cuts": _PATH | {"missing_requires_grad", "plain_tensor_attribute"},
    "loss_without_history": _PATH | {"missing_requires_grad", "plain_tensor_attribute"},
    "rewrap": _PATH,
    "from_exception": _PATH,
    "swallowed": _PATH,
    "zero_gradient": frozenset({"non_differentiable", "zero_gradient"}),
    "rebound_parameter": frozenset({"rebound_parameter"}),
    "parameters": frozenset({"unused_parameter", "plain_tensor_attribute"}),
}

# The precedence between rules, declared once: a finding (rule, kind) that only repeats the
# exception takes its cause and fix from the finding (rule, kind) that names the cause, when
# one was made. The text says how that cause lost the history.
CAUSED_BY: dict[tuple[str, str], tuple[str, str, str]] = {
    ("from_exception", "missing_requires_grad"): (
        "rebound_parameter", "rebound_parameter",
        "its history was lost where {names} was rebound at {where}, not for want of "
        "requires_grad=True"),
}

# A finding (rule, kind) that a more precise account of the same failure makes wrong: it is
# dropped when a finding (rule, kind, severity) on the right was made. A loss that is only a
# fresh placeholder constant lacks no requires_grad: nothing in it should have had one.
SUPERSEDED_BY: dict[tuple[str, str], tuple[str, str, str]] = {
    ("loss_without_history", "missing_requires_grad"): (
        "constant_loss_term", "constant_loss_term", "error"),
}

# A finding (rule, severity) on the left that a finding of the same kind, at the same place,
# (rule, severity) on the right makes wrong or repeats: it is dropped there (only there). A cut
# that severed a loss term from every tensor its step updates is not a path cut by design
# (`cuts` says so, as info, when they still train through the other terms); a cut that left
# them without any gradient is `cuts`' error, which the term's warning would only repeat.
SUPERSEDED_AT: dict[tuple[str, str], tuple[str, str]] = {
    ("cuts", "info"): ("unstepped_term", "warning"),
    ("unstepped_term", "warning"): ("cuts", "error"),
}

# The rules that read what the rules before them (in gradlab.rules.RULES order) found or
# claimed, declared once; each takes it as its second argument, an `Earlier`. "found": the
# findings made so far, before arbitration; "lost": the tensors reported as getting no gradient.
READS: dict[str, str] = {
    # an error finding that already names the tensor whose .grad was None explains the crash
    "crash.check": "found",
    # a .grad read whose crash was already reported as non_leaf_grad is not reported again
    "non_leaf_grad.check": "found",
    # the exception's kind already named by a rule (any finding, for missing_requires_grad)
    "from_exception.check": "found",
    # a caught 'does not require grad' whose cause an error finding already names
    "swallowed.check": "found",
    # what was reported lost is not reported again behind a later cut, unused, or zero
    "cuts.behind_cuts": "lost",
    "parameters.check": "lost",
    "zero_gradient.after_backward": "lost",
    # a module whose parameters were reported not_in_optimizer is not reported unregistered
    "registration.check": "found",
}


def rule_name(rule: Rule) -> str:
    """`module.function` of a rule, as READS names it."""
    return f"{rule.__module__.rsplit('.', 1)[-1]}.{rule.__name__}"


def run(facts: Facts, rules: Sequence[Rule]) -> tuple[list[Finding], Finding | None]:
    """Run the rules in order, arbitrate their findings, then draw their marks onto the graph;
    return the kept findings and the finding that explains the exception, if a rule made one."""
    found: list[tuple[str, Finding]] = []
    marks: list[Draw] = []
    lost: set[int] = set()
    explains: Finding | None = None
    for rule in rules:
        name = rule_name(rule)
        made = (rule(facts, Earlier(tuple(f for _, f in found), frozenset(lost)))
                if name in READS else rule(facts))
        for item in made:
            if isinstance(item, Finding):
                found.append((name.split(".")[0], item))
            elif isinstance(item, Lost):
                lost |= item.keys
            elif isinstance(item, Explains):
                explains = item.finding
            else:
                marks.append(item)
    kept = arbitrate(facts, found)
    apply(facts.graph, facts.reached, alarmed(marks, kept))
    return kept, explains


def alarmed(marks: list[Draw], kept: list[Finding]) -> list[Draw]:
    """The marks with every cut drawn "may be intended" that a kept error or warning stands at
    or names (`argmax at train.py:9`) drawn as severed: the picture never calls quiet what the
    report warns of."""
    alarms = [f for f in kept if f.severity != "info"]

    def warned(line: str) -> bool:
        named = re.compile(rf"(?<![\w.]){re.escape(line)}(?!\d)")
        return any(f.where == line or named.search(f.message) for f in alarms)

    return [replace(m, intended=False) if isinstance(m, AddEdge) and m.intended and m.cause
            and m.where and warned(m.where) else m for m in marks]


def _keys(facts: Facts, name: str) -> list[int]:
    """The tensors a finding's name stands for: one named tensor, or every parameter of a
    group (`backbone (12 tensors)`, a layer path); none when the name is not a tensor's."""
    names = facts.names
    for table in (names.params, names.plain, names.scope):
        found = [key for key, known in table.items() if known == name]
        if found:
            return found[:1]
    prefix = name.split(" (")[0]
    return [key for key, known in names.params.items() if known.startswith(prefix + ".")]


def contradicted(facts: Facts, rule: str, finding: Finding) -> bool:
    """True when the finding says its tensors get no gradient, and the run shows that every
    one of them got one (a loss itself is not such a tensor)."""
    if finding.kind not in CLAIMS.get(rule, ()) or finding.severity == "info":
        return False
    if finding.where and finding.where in _crashed_at(facts):
        return False  # the program called backward() through this cut: not by design
    losses = {name for name, _ in facts.ctx.losses}
    subjects = [name for name in finding.names if name not in losses]
    for name in subjects:
        keys = _keys(facts, name)
        if not keys or not all(key in facts.trained_by_run for key in keys):
            return False
    return bool(subjects)


def _crashed_at(facts: Facts) -> set[str]:
    """The lines of the cuts behind the tensors of a backward that failed."""
    if facts.rec is None:
        return set()
    events = facts.rec.events
    return {where(events[i]) for e in facts.events("torch_error") for i in e.cuts}


def arbitrate(facts: Facts, found: list[tuple[str, Finding]]) -> list[Finding]:
    """The findings with the invariant enforced: a finding the run contradicts is dropped, or
    becomes `info` when it is about one path (or one way of training) of tensors that still
    trained through another."""
    made = {(rule, f.kind, f.severity) for rule, f in found}
    made_at = {(rule, f.kind, f.severity, f.place) for rule, f in found if f.place != ("", 0)}
    kept = []
    for rule, finding in found:
        if SUPERSEDED_BY.get((rule, finding.kind)) in made:
            continue
        by, severity = SUPERSEDED_AT.get((rule, finding.severity), ("", ""))
        if (by, finding.kind, severity, finding.place) in made_at:
            continue
        if not contradicted(facts, rule, finding):
            kept.append(finding)
        elif finding.kind in _PATH:
            names = ", ".join(finding.names)
            trains = "trains" if len(finding.names) == 1 else "train"
            message = (f"this path carries no gradient, by design; {names} still {trains} "
                       f"through {facts.trains_through}: "
                       f"{re.split(' gets? no gradient: ', finding.message, maxsplit=1)[-1]}")
            kept.append(replace(finding, severity="info", message=message))
    return _worded_by_cause(found, kept)


def _worded_by_cause(found: list[tuple[str, Finding]], kept: list[Finding]) -> list[Finding]:
    """The kept findings, each that only repeats the exception worded by the finding that
    names its cause (CAUSED_BY)."""
    rule_of = {id(finding): rule for rule, finding in found}
    worded = []
    for finding in kept:
        said = CAUSED_BY.get((rule_of.get(id(finding), ""), finding.kind))
        cause = next((f for f in kept if said is not None and f.kind == said[1]
                      and rule_of.get(id(f)) == said[0]), None)
        if said is not None and cause is not None:
            how = said[2].format(names=", ".join(cause.names), where=cause.where)
            finding = replace(finding, message=f"{finding.message.split(':')[0]}: {how}.",
                              fix=cause.fix)
        worded.append(finding)
    return worded
