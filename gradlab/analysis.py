"""Build the facts of a run, run the rules on them, and return the Report.

Only what is severed on a path from a trainable tensor to a loss is reported; what may be
intended (a frozen backbone, a target network, a stop-gradient next to a live path) is `info`.
"""

from __future__ import annotations

import gc

import torch

from gradlab.arbitrate import run
from gradlab.context import Context
from gradlab.explanations import explain
from gradlab.facts import Facts
from gradlab.graph import shape_text
from gradlab.report import ExceptionInfo, Finding, GradRow, Report
from gradlab.rules import RULES

__all__ = ["analyse"]


def _exception_info(exc: BaseException | None,
                    explains: Finding | None) -> ExceptionInfo | None:
    """The exception with gl.explain's account, or else the account a rule gave of it."""
    if exc is None:
        return None
    explanation = explain(exc)
    if explanation is not None:
        return ExceptionInfo(type(exc).__name__, str(exc), explanation.kind,
                             explanation.explanation)
    if explains is not None:
        return ExceptionInfo(type(exc).__name__, str(exc), explains.kind, explains.message)
    return ExceptionInfo(type(exc).__name__, str(exc), None, "")


def _grad_rows(facts: Facts) -> list[GradRow]:
    """The gradient of every named parameter, trainable variable, plain tensor attribute and
    intermediate asked for `.grad`."""
    names = facts.names
    read = {id(tensor) for e in facts.events("grad_read")
            if e.tensor is not None and (tensor := e.tensor()) is not None}
    candidates = [(n, names.tensors[k]) for k, n in names.params.items()]
    candidates += [(n, t) for k, n in names.scope.items()
                   if (t := names.tensors[k]).is_leaf and t.requires_grad
                   and k not in names.params]
    candidates += [(n, names.tensors[k]) for k, n in names.plain.items()]
    candidates += [(n, t) for k, n in names.scope.items()
                   if not (t := names.tensors[k]).is_leaf
                   and (t.retains_grad or k in read)]  # intermediates asked for .grad
    seen: set[int] = set()
    table: list[tuple[str, torch.Tensor, torch.Tensor | None]] = []
    for name, t in candidates:
        if id(t) in seen:
            continue
        seen.add(id(t))
        grad = t.grad if t.is_leaf or t.retains_grad else None
        if grad is not None and grad.layout != torch.strided:  # sparse: no norm of its own
            grad = grad.to_dense()
        table.append((name, t, grad))
    norms = iter(facts.grad_norms([g for *_, g in table if g is not None]))
    rows = []
    for name, t, grad in table:
        norm = None if grad is None else next(norms)
        if norm is None:
            rows.append(GradRow(name, shape_text(t), "None"))
        elif norm == 0.0:
            rows.append(GradRow(name, shape_text(t), "all zero", 0.0))
        else:
            rows.append(GradRow(name, shape_text(t), "norm", norm))
    return rows


def _notes(facts: Facts) -> list[str]:
    """What gradlab did not check, and why (shown under the findings)."""
    hooked = [p.node_name for p in facts.probes if p.problem == "hooked"]
    if not hooked:
        return []
    return [f"{', '.join(dict.fromkeys(hooked))} saved tensors through the program's "
            "saved-tensor hooks: gradlab did not read them (that runs the unpack hook), so it "
            "cannot predict an in-place or double-backward error there before backward runs."]


def analyse(ctx: Context) -> Report:
    """Walk the loss graphs, join them with the recording, run the rules; return the Report."""
    if not isinstance(ctx, Context):
        raise TypeError("gl.analyse() takes a gl.Context; to check a loss or a function, call "
                        f"gl.diagnose() (got {type(ctx).__name__})")
    # The walk makes thousands of small objects next to torch's many long-lived ones; the
    # cyclic collector's pauses would cost more than the analysis itself. Nothing made here
    # forms a cycle, and collection resumes at the end.
    enabled = gc.isenabled()
    gc.disable()
    try:
        facts = Facts(ctx)
        findings, explains = run(facts, RULES)
        return Report(findings, facts.graph, _grad_rows(facts),
                      _exception_info(ctx.exception, explains), list(ctx.warnings),
                      tuple(n for n, _ in ctx.losses), _notes(facts))
    finally:
        if enabled:
            gc.enable()
