"""The program's warnings: what it warned, once per place, and the ones that are findings.

A warning is autograd's only sign for two bugs: reading `.grad` on a non-leaf (it stays None)
and a loss whose target broadcasts against the input (it trains on the wrong pairs).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gradlab.explanations import explain
from gradlab.recording import Warned
from gradlab.report import Finding, Kind, Report

__all__ = ["METADATA", "add_findings", "findings", "shown"]

METADATA = (
    Kind("broadcast_loss", "08_silent_gradients",
         severity="error: the loss compares every output with every target",
         explanation="the loss's target broadcasts against its input (torch only warns)"),
)

_BROADCAST = re.compile(r"target size \(torch\.Size\((?P<target>\[.*?\])\)\) that is different "
                        r"to the input size \(torch\.Size\((?P<input>\[.*?\])\)\)")


def shown(caught: Iterable[Warned]) -> list[str]:
    """The warnings as lines, each place and message once, in the order they came."""
    return list(dict.fromkeys(str(w) for w in caught))


def findings(caught: Iterable[Warned]) -> list[Finding]:
    """The findings the autograd-relevant warnings stand for."""
    found = []
    for w in caught:
        broadcast = _BROADCAST.search(w.message)
        if broadcast is not None:
            found.append(Finding(
                "broadcast_loss", "error", (), w.where,
                f"the loss compares a target of shape {broadcast['target']} with an input of "
                f"shape {broadcast['input']}: they broadcast, so each output is compared with "
                "every target, not with its own, and the model learns the wrong thing.",
                "give target and input the same shape, e.g. target.view(-1, 1) or "
                "output.squeeze(-1)"))
            continue
        explanation = explain(w.message)
        if explanation is not None and explanation.kind == "non_leaf_grad":
            found.append(Finding("non_leaf_grad", "warning", (), w.where,
                                 explanation.explanation, explanation.fix))
    return found


def add_findings(report: Report, caught: Iterable[Warned]) -> Report:
    """Show the program's warnings in `report` and add the findings they stand for, unless
    the recording already found the same kind at the same place."""
    caught = list(caught)
    report.warnings = shown(caught)
    known = {(f.kind, f.where) for f in report.findings}
    extra = [f for f in findings(caught) if (f.kind, f.where) not in known]
    if extra:
        report.findings = sorted(set(report.findings) | set(extra), key=Finding.sort_key)
    return report
